"""ODT reader (odfpy): headings, paragraphs, lists and tables in document order; pages from soft page breaks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.article import Article
from ingest.formats.base import ReadOptions
from ingest.formats.document import build_article
from ingest.formats.layout import Block
from ingest.formats.package import check_package, table_rows

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _walk(node, state: dict, out: list[Block]) -> None:
    from odf import teletype

    for child in node.childNodes:
        qname = getattr(child, "qname", None)
        if qname == (_TEXT, "soft-page-break"):
            state["page"] += 1
        elif qname in ((_TEXT, "h"), (_TEXT, "p")):
            state["page"] += sum(1 for _ in child.getElementsByType(_soft_break()))
            out.append(Block(state["page"], teletype.extractText(child), heading=qname[1] == "h"))
        elif qname == (_TABLE, "table"):
            rows = [[teletype.extractText(cell) for cell in row.childNodes if getattr(cell, "qname", None)
                     == (_TABLE, "table-cell")] for row in child.getElementsByType(_table_row())]
            out += [Block(state["page"], line) for line in table_rows(rows)]
        elif qname is not None:
            _walk(child, state, out)


def _soft_break():
    from odf.text import SoftPageBreak

    return SoftPageBreak


def _table_row():
    from odf.table import TableRow

    return TableRow


def read(path: Path, options: ReadOptions) -> Iterator[Article]:
    """The article of one ODT file."""
    from odf import dc, opendocument, teletype

    check_package(path, options)
    document = opendocument.load(str(path))
    out: list[Block] = []
    _walk(document.text, {"page": 1}, out)
    titles = document.meta.getElementsByType(dc.Title)
    dates = document.meta.getElementsByType(dc.Date)
    yield build_article(out, path, meta_title=teletype.extractText(titles[0]) if titles else "",
                        meta_date=teletype.extractText(dates[0])[:10] if dates else None)
