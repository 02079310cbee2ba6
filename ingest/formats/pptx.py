"""PPTX reader (python-pptx): each slide's title, text, tables and speaker notes; the slide number is the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.article import Article
from ingest.formats.base import ReadOptions
from ingest.formats.document import build_article
from ingest.formats.layout import Block
from ingest.formats.package import check_package, table_rows


def slide_blocks(slide, number: int) -> list[Block]:
    """A slide's blocks: its title (a heading), other text frames, tables, then the speaker notes."""
    out: list[Block] = []
    title_shape = slide.shapes.title
    if title_shape is not None and title_shape.text_frame.text.strip():
        out.append(Block(number, title_shape.text_frame.text, heading=True))
    for shape in slide.shapes:
        if shape is title_shape:
            continue
        if shape.has_text_frame:
            out += [Block(number, p.text) for p in shape.text_frame.paragraphs if p.text.strip()]
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            out += [Block(number, line) for line in table_rows(rows)]
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            out.append(Block(number, f"Catatan: {' '.join(notes.text.split())}"))
    return out


def read(path: Path, options: ReadOptions) -> Iterator[Article]:
    """The article of one PPTX deck."""
    import pptx

    check_package(path, options)
    deck = pptx.Presentation(str(path))
    blocks: list[Block] = []
    for number, slide in enumerate(deck.slides, start=1):
        options.check_time(path)
        blocks += slide_blocks(slide, number)
    props = deck.core_properties
    created = props.created.date().isoformat() if props.created else None
    yield build_article(blocks, path, meta_title=props.title or "", meta_date=created, page_kind="slide")
