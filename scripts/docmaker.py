"""Write test and demo documents from text: two-column PDFs with running header and footer, DOCX, scans.

Used by the tests (fixtures made at test time) and by ``scripts/make_demo_documents.py``. The PDF layout is
done here, line by line, so the ground truth is known: which words are on which page, which were hyphenated
across a line end, and in what order a reader reads them.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BODY_SIZE, HEADING_SIZE, TITLE_SIZE = 10.0, 13.0, 18.0


@dataclass
class Block:
    """A unit of a document: ``kind`` is "title", "heading" or "para"."""

    kind: str
    text: str


@dataclass
class Layout:
    """What was drawn: the text of each page in reading order (header and footer excluded)."""

    pages: list[list[str]] = field(default_factory=list)
    hyphenated: list[str] = field(default_factory=list)  # words split across a line end

    def page_of(self, needle: str) -> int:
        """1-based page whose text holds ``needle``."""
        return next(i + 1 for i, texts in enumerate(self.pages) if needle in " ".join(texts))


def blocks_from_text(title: str, paragraphs: list[str]) -> list[Block]:
    """A title followed by body paragraphs (a short line without final punctuation becomes a heading)."""
    blocks = [Block("title", title)]
    for para in paragraphs:
        short = len(para.split()) <= 8 and not para.rstrip().endswith((".", "!", "?", "”", '"', ":"))
        blocks.append(Block("heading" if short else "para", para))
    return blocks


def _wrap(words: list[str], width: float, size: float, font: str, layout: Layout) -> list[str]:
    """Greedy line breaking; a long word that does not fit is hyphenated when half of it would."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    line = ""
    queue = list(words)
    while queue:
        word = queue.pop(0)
        candidate = f"{line} {word}".strip()
        if stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if len(word) >= 9 and word.isalpha() and line:
            for cut in range(len(word) - 4, 3, -1):
                head = f"{line} {word[:cut]}-"
                if stringWidth(head, font, size) <= width:
                    lines.append(head)
                    layout.hyphenated.append(word)
                    line = ""
                    queue.insert(0, word[cut:])
                    break
            else:
                lines.append(line)
                line = word
            continue
        if line:
            lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def write_pdf(path: Path, blocks: list[Block], *, columns: int = 2, header: str = "", footer: str = "",
              meta_title: str = "", page_size: tuple[float, float] = (595.0, 842.0)) -> Layout:
    """Lay ``blocks`` out in ``columns`` columns per page; header, footer and "Halaman N" on every page."""
    from reportlab.pdfgen.canvas import Canvas

    width, height = page_size
    margin, gutter, leading = 56.0, 24.0, 13.0
    col_width = (width - 2 * margin - gutter * (columns - 1)) / columns
    canvas = Canvas(str(path), pagesize=page_size, pageCompression=1, invariant=1)  # same bytes every run
    if meta_title:
        canvas.setTitle(meta_title)
    layout = Layout()
    state = {"page": 0, "col": 0, "y": 0.0, "top": 0.0}

    def new_page() -> None:
        if state["page"]:
            canvas.showPage()
        state["page"] += 1
        layout.pages.append([])
        canvas.setFont("Helvetica", 8)
        if header:
            canvas.drawString(margin, height - 30, header)
        canvas.drawString(margin, 30, footer)
        canvas.drawRightString(width - margin, 30, f"Halaman {state['page']}")
        state["col"], state["top"] = 0, height - margin
        state["y"] = state["top"]

    def next_column() -> None:
        if state["col"] + 1 < columns:
            state["col"] += 1
            state["y"] = state["top"]
        else:
            new_page()

    new_page()
    for block in blocks:
        if block.kind == "title":  # full width, above the columns
            canvas.setFont("Helvetica-Bold", TITLE_SIZE)
            for line in _wrap(block.text.split(), width - 2 * margin, TITLE_SIZE, "Helvetica-Bold", layout):
                canvas.drawString(margin, state["y"] - TITLE_SIZE, line)
                state["y"] -= TITLE_SIZE * 1.3
            state["y"] -= 10
            state["top"] = state["y"]
            layout.pages[-1].append(block.text)
            continue
        font, size = ("Helvetica-Bold", HEADING_SIZE) if block.kind == "heading" else ("Helvetica", BODY_SIZE)
        step = size * 1.3 if block.kind == "heading" else leading
        lines = _wrap(block.text.split(), col_width, size, font, layout)
        page_words: list[str] = []
        for line in lines:
            if state["y"] - step < margin:
                if page_words:
                    layout.pages[-1].append(" ".join(page_words))
                    page_words = []
                next_column()
            x = margin + state["col"] * (col_width + gutter)
            canvas.setFont(font, size)
            canvas.drawString(x, state["y"] - size, line)
            state["y"] -= step
            page_words.append(line)
        if page_words:
            layout.pages[-1].append(" ".join(page_words))
        state["y"] -= leading * 0.8
    canvas.showPage()
    canvas.save()
    layout.pages = [[_unhyphenate(t, layout.hyphenated) for t in page] for page in layout.pages]
    return layout


def _unhyphenate(text: str, words: list[str]) -> str:
    for word in words:
        for cut in range(1, len(word)):
            text = text.replace(f"{word[:cut]}- {word[cut:]}", word)
    return text


FIXED_TIME = datetime(2025, 1, 1, tzinfo=UTC)  # metadata dates of generated files: the same bytes every run


def freeze_zip(path: Path) -> None:
    """Rewrite an Office zip package with fixed member dates, so generating it twice gives the same bytes."""
    import zipfile

    with zipfile.ZipFile(path) as src:
        members = [(item, src.read(item)) for item in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item, data in members:
            if item.filename == "docProps/core.xml":  # openpyxl stamps the save time as "modified"
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-01-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(item.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(fixed, data)


def write_docx(path: Path, blocks: list[Block], *, page_break_before: set[int] = frozenset(),
               core_title: str = "", table: list[list[str]] | None = None, table_after: int = -1) -> None:
    """A DOCX with the title as heading 0, headings as heading 1, page breaks before the given blocks, and an
    optional table after block ``table_after``."""
    import docx

    document = docx.Document()
    document.core_properties.created = document.core_properties.modified = FIXED_TIME
    if core_title:
        document.core_properties.title = core_title
    for i, block in enumerate(blocks):
        if i in page_break_before:
            document.add_page_break()
        if block.kind == "title":
            document.add_heading(block.text, 0)
        elif block.kind == "heading":
            document.add_heading(block.text, 1)
        else:
            document.add_paragraph(block.text)
        if table and i == table_after:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
    document.save(str(path))
    freeze_zip(path)


def scan_pdf(source: Path, target: Path, *, dpi: int = 200, skew: float = 0.6, noise: float = 0.02,
             seed: int = 7) -> None:
    """Rasterise ``source`` like a scanner would (grey, slightly rotated, speckled) into an image-only PDF."""
    import img2pdf
    import pypdfium2 as pdfium
    from PIL import Image

    rng = random.Random(seed)
    pdf = pdfium.PdfDocument(str(source))
    images = []
    try:
        for i in range(len(pdf)):
            image = pdf[i].render(scale=dpi / 72).to_pil().convert("L")
            image = image.rotate(rng.uniform(-skew, skew), resample=Image.BICUBIC, expand=False, fillcolor=255)
            pixels = image.load()
            w, h = image.size
            for _ in range(int(w * h * noise / 50)):
                x, y = rng.randrange(w), rng.randrange(h)
                pixels[x, y] = rng.choice((0, 96, 255))
            out = target.with_name(f"{target.stem}-{i}.png")
            image.save(out, dpi=(dpi, dpi))
            images.append(out)
    finally:
        pdf.close()
    import pikepdf

    with pikepdf.open(io.BytesIO(img2pdf.convert([str(p) for p in images], nodate=True))) as scanned:
        del scanned.trailer.ID  # img2pdf's is random; the deterministic one is derived from the content
        scanned.save(target, deterministic_id=True)
    for p in images:
        p.unlink()


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], *, title: str = "") -> None:
    """An XLSX workbook with one sheet per entry (the first row is the header)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.properties.created = workbook.properties.modified = FIXED_TIME.replace(tzinfo=None)
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    if title:
        workbook.properties.title = title
    workbook.save(str(path))
    freeze_zip(path)


def write_pptx(path: Path, slides: list[tuple[str, list[str], str]], *, title: str = "") -> None:
    """A PPTX deck: each slide (title, bullet lines, speaker notes)."""
    import pptx

    deck = pptx.Presentation()
    for heading, bullets, notes in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = heading
        body = slide.placeholders[1].text_frame
        body.text = bullets[0] if bullets else ""
        for line in bullets[1:]:
            body.add_paragraph().text = line
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    if title:
        deck.core_properties.title = title
    deck.save(str(path))


def write_odt(path: Path, blocks: list[Block], *, table: list[list[str]] | None = None) -> None:
    """An ODT text document: the title and headings as headings, paragraphs, and an optional table at the end."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    document = OpenDocumentText()
    for block in blocks:
        if block.kind == "para":
            document.text.addElement(P(text=block.text))
        else:
            document.text.addElement(H(outlinelevel=1 if block.kind == "title" else 2, text=block.text))
    if table:
        grid = Table(name="Tabel1")
        grid.addElement(TableColumn(numbercolumnsrepeated=len(table[0])))
        for row in table:
            tr = TableRow()
            for value in row:
                cell = TableCell()
                cell.addElement(P(text=value))
                tr.addElement(cell)
            grid.addElement(tr)
        document.text.addElement(grid)
    document.save(str(path))


def char_error_rate(hypothesis: str, reference: str) -> float:
    """Character error rate: Levenshtein distance / reference length (whitespace collapsed)."""
    import numpy as np

    a, b = " ".join(hypothesis.split()), " ".join(reference.split())
    previous = np.arange(len(b) + 1)
    codes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    for i, ch in enumerate(a, start=1):
        cost = (codes != ord(ch)).astype(np.int64)
        best = np.minimum(previous[1:] + 1, previous[:-1] + cost)
        row = np.concatenate(([i], best))
        ramp = np.arange(len(row))
        previous = np.minimum.accumulate(row - ramp) + ramp
    return previous[-1] / max(1, len(b))
