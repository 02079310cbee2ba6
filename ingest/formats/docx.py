"""DOCX reader (python-docx): paragraphs and tables in document order, headings by style, pages by breaks.

A DOCX has no fixed pages; the page of a paragraph is counted from the explicit page breaks before it and the
``lastRenderedPageBreak`` marks Word leaves where it last laid a page out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.article import Article
from ingest.formats.base import ReadOptions
from ingest.formats.document import build_article
from ingest.formats.layout import Block
from ingest.formats.package import check_package, table_rows

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _breaks(element) -> int:
    """Page breaks inside a paragraph element (explicit and as last rendered by Word)."""
    explicit = sum(1 for br in element.iter(f"{_W}br") if br.get(f"{_W}type") == "page")
    rendered = sum(1 for _ in element.iter(f"{_W}lastRenderedPageBreak"))
    before = sum(1 for _ in element.iter(f"{_W}pageBreakBefore"))
    return max(explicit, rendered) + before


def blocks(document, options: ReadOptions, path: Path) -> list[Block]:
    """Blocks of a python-docx document in body order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[Block] = []
    page = 1
    for child in document.element.body.iterchildren():
        options.check_time(path)
        if child.tag == f"{_W}p":
            page += _breaks(child)
            paragraph = Paragraph(child, document)
            style = (paragraph.style.name if paragraph.style is not None else "").lower()
            out.append(Block(page, paragraph.text, heading=style.startswith(("heading", "title", "judul"))))
        elif child.tag == f"{_W}tbl":
            table = Table(child, document)
            rows = [[cell.text for cell in row.cells] for row in table.rows]
            out += [Block(page, line) for line in table_rows(rows)]
    return out


def read(path: Path, options: ReadOptions) -> Iterator[Article]:
    """The article of one DOCX file."""
    import docx

    check_package(path, options)
    document = docx.Document(str(path))
    props = document.core_properties
    created = props.created.date().isoformat() if props.created else None
    yield build_article(blocks(document, options, path), path, meta_title=props.title or "", meta_date=created)
