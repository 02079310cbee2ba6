"""Reading one file into articles, in this process: the reader of its format, its errors as one line each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.article import Article, SkipInput
from ingest.formats import Format, detect, reader
from ingest.formats.base import DOCUMENT_CATEGORY, ReadOptions


def read_articles(path: Path, fmt: Format | None = None,
                  options: ReadOptions | None = None) -> Iterator[Article | SkipInput]:
    """Articles in one file; unreadable parts come out as ``SkipInput`` and the rest goes on."""
    fmt = fmt or detect(path)
    options = options or ReadOptions()
    origin = str(path)
    if fmt is None:
        yield SkipInput(f"{origin}: unsupported file type")
        return
    try:
        for item in reader(fmt)(path, options):
            if isinstance(item, Article):
                _fill_defaults(item, fmt, path, options)
            yield item
    except SkipInput as skip:
        message = str(skip)
        yield skip if message.startswith(origin) else SkipInput(f"{origin}: {message}")
    except OSError as err:
        yield SkipInput(f"{origin}: cannot read ({err.strerror or err})")
    except Exception as err:  # a document library's own error on a malformed file: one line, not a crash
        if not fmt.document:
            raise
        yield SkipInput(f"{origin}: damaged {fmt.name.upper()} file, its library could not read it "
                        f"({type(err).__name__}: {str(err)[:160]})")


def _fill_defaults(article: Article, fmt: Format, path: Path, options: ReadOptions) -> None:
    """Outlet from the ``source`` option (documents: else the parent folder); documents' category "dokumen"."""
    if not article.source:
        article.source = options.source or (path.parent.name if fmt.document else "")
    if fmt.document and not article.category:
        article.category = DOCUMENT_CATEGORY
