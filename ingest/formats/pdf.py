"""PDF reader: the text layer through PDFium (pypdfium2), OCR for pages without one.

PDFium was chosen over pdfplumber/pdfminer for speed (it is C++; the text layer of a page is read in a few
milliseconds, see docs/documents.md) and for robustness on damaged files; the layout rules (``layout.py``)
and the table finder (``tables.py``: ruled tables, one line per row) work from its character boxes and
drawn rules. PDFium never runs a PDF's JavaScript here (no form environment is created) and embedded files
are ignored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from ingest.article import Article, SkipInput
from ingest.dates import parse_date
from ingest.formats.base import ReadOptions
from ingest.formats.document import build_article
from ingest.formats.layout import Line, blocks_of_pages
from ingest.formats.ocr import OcrUnavailable, check_tesseract, ocr_images
from ingest.formats.tables import Char, Table, find_tables

MIN_TEXT_CHARS = 40  # a page with fewer letters and digits in its text layer has no usable one: OCR it
OCR_DPI = 300
_GAP = 1.5  # a horizontal gap wider than this many font sizes splits a line (two columns drawn as one)


def _chars(textpage, pdfium_c) -> Iterator[Char]:
    """Every character of a page's text layer with its box (left, bottom, right, top) and font size."""
    import ctypes

    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    text = textpage.get_text_range()
    for i in range(textpage.count_chars()):
        char = text[i] if i < len(text) else chr(pdfium_c.FPDFText_GetUnicode(textpage, i))
        if char in "\r\n":
            yield "\n", 0, 0, 0, 0, 0
            continue
        pdfium_c.FPDFText_GetCharBox(textpage, i, left, right, bottom, top)
        yield char, left.value, bottom.value, right.value, top.value, pdfium_c.FPDFText_GetFontSize(textpage, i)


def page_lines(page, pdfium_c, previous: Table | None = None) -> tuple[list[Line], Table | None]:
    """The text layer of a page as lines: a ruled table's rows one line each ("column: value; …"), the rest
    as ``lines_of``. ``previous``: the last table of the page before (a table continued here keeps its column
    names); returns this page's last table too."""
    chars = list(_chars(page.get_textpage(), pdfium_c))
    tables, chars = find_tables(page, pdfium_c, chars)
    if tables and tables[0].continues(previous, page.get_height()):
        tables[0].under(previous)
    rows = [Line(text, table.x0, table.x1, bottom, top, table.size, row=True)
            for table in tables for text, top, bottom in table.rows()]
    return lines_of(chars) + rows, tables[-1] if tables else None


def lines_of(page_chars: list[Char]) -> list[Line]:
    """Characters as lines, split where PDFium breaks a line or a wide gap separates columns."""
    lines: list[Line] = []
    chars: list[Char] = []

    def close() -> None:
        ink = [c for c in chars if not c[0].isspace()]
        if ink:
            sizes = sorted(c[5] for c in ink)
            lines.append(Line("".join(c[0] for c in chars).strip(), min(c[1] for c in ink), max(c[3] for c in ink),
                              min(c[2] for c in ink), max(c[4] for c in ink), round(sizes[len(sizes) // 2], 1)))
        chars.clear()

    last = None
    for char in page_chars:
        if char[0] == "\n":
            close()
            last = None
            continue
        if not char[0].isspace():
            if last is not None and (char[1] - last[3] > _GAP * max(char[5], 1) or abs(char[2] - last[2]) > char[5]):
                close()
            last = char
        chars.append(char)
    close()
    return lines


def _open(path: Path):
    import pypdfium2 as pdfium

    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 2048))
        if b"%%EOF" not in f.read():
            raise SkipInput(f"{path}: truncated PDF (no %%EOF end marker: the file was cut short)")
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as err:
        reason = str(err)
        if "password" in reason.lower():
            raise SkipInput(f"{path}: password-protected PDF (cannot be read without its password)") from None
        if any(re.search(rb"/Type\s*/Pages\b", d) and re.search(rb"/Count\s+0\b", d)
               for d in re.findall(rb"<<([^<>]{0,400})>>", path.read_bytes()[:1 << 20])):
            raise SkipInput(f"{path}: PDF with zero pages") from None
        raise SkipInput(f"{path}: damaged PDF ({reason})") from None


def read(path: Path, options: ReadOptions) -> Iterator[Article | SkipInput]:
    """The article of one PDF; pages without text are OCR'd (``options.ocr``) or skipped with one line."""
    import pypdfium2.raw as pdfium_c

    pdf = _open(path)
    try:
        count = len(pdf)
        if count == 0:
            raise SkipInput(f"{path}: PDF with zero pages")
        pages: list[tuple[float, float, list[Line]]] = []
        to_ocr: list[int] = []
        table = None
        for i in range(count):
            options.check_time(path)
            page = pdf[i]
            width, height = page.get_size()
            lines, table = page_lines(page, pdfium_c, table)
            if options.ocr == "force" or (options.ocr == "auto" and _letters(lines) < MIN_TEXT_CHARS):
                to_ocr.append(i)
            else:
                options.page_read()
            pages.append((width, height, lines))
        notes = _ocr_pages(pdf, pages, to_ocr, path, options) if to_ocr and options.ocr != "off" else []
        empty = [i + 1 for i, (_, _, lines) in enumerate(pages) if _letters(lines) < MIN_TEXT_CHARS]
        if options.ocr == "off" and empty:
            notes.append(f"{path}: page(s) {_ranges(empty)} have no text layer and OCR is off (--ocr off)")
        meta = pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()
    yield from (SkipInput(note) for note in notes)
    blocks = blocks_of_pages(pages)
    if not blocks and notes:
        return  # the lines above said why there is no text
    first_page = [b for b in blocks if b.page == 1]
    heading = max(first_page, key=lambda b: b.size).text if first_page and any(b.heading for b in first_page) else ""
    yield build_article(blocks, path, meta_title=meta.get("Title", ""), heading=heading,
                        meta_date=_pdf_date(meta.get("CreationDate", "")))


def _ocr_pages(pdf, pages: list, numbers: list[int], path: Path, options: ReadOptions) -> list[str]:
    """Replace the lines of the pages ``numbers`` by their OCR; returns one line per problem."""
    try:
        check_tesseract()
    except OcrUnavailable as err:
        return [f"{path}: scanned page(s) {_ranges([n + 1 for n in numbers])} skipped: {err}"]
    notes: list[str] = []
    batch = max(1, os.cpu_count() or 1)
    for start in range(0, len(numbers), batch):
        options.check_time(path)
        chunk = numbers[start:start + batch]
        for n, result in zip(chunk, ocr_images([_render(pdf[n], options) for n in chunk], options.seconds_per_page)):
            if isinstance(result, Exception):
                notes.append(f"{path}: page {n + 1} skipped: {result}")
            else:
                width, height, _ = pages[n]
                pages[n] = (width, height, result)
        options.page_read(len(chunk))
        options.check_time(path)
    return notes


def _render(page, options: ReadOptions):
    """A page as a grey image at OCR_DPI, or less where that would exceed the pixel limit."""
    width, height = page.get_size()
    dpi = min(OCR_DPI, (options.max_pixels / max(1.0, width * height)) ** 0.5 * 72)
    return page.render(scale=dpi / 72, grayscale=True).to_pil(), dpi


def _letters(lines: list[Line]) -> int:
    return sum(ch.isalnum() for line in lines for ch in line.text)


def _ranges(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers[:10]) + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def _pdf_date(value: str) -> str | None:
    """``D:20240812103000+07'00'`` → ISO date (the file's creation date: used only when the text has none)."""
    digits = value.removeprefix("D:")[:8]
    return parse_date(f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}") if len(digits) == 8 and digits.isdigit() else None
