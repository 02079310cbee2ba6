"""Blocks of a document (paragraphs, headings, table rows, with pages) → one Article with page offsets.

Shared by the document readers (PDF, DOCX, ODT, XLSX, PPTX, images). Metadata rules:
- title: the document's own title when it is meaningful, else its first heading (for PDF: the largest type
  on page 1), else the file name;
- date: from the text — a signature line ("Liwa, 12 Agustus 2024"), else a dateline near the top — before the
  file's metadata (a scan's creation date is not its publication date);
- id: from the file's path (and ``part``, e.g. a sheet), so a changed file replaces its passages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from ingest.article import Article, SkipInput, make_article_id
from ingest.dates import MONTHS, parse_date
from ingest.formats.layout import Block
from ingest.formats.text import is_dateline

_SIGNATURE_DATE = re.compile(
    rf"(?m)^\s*[A-Z][\w.'’ -]{{1,30}},\s+(\d{{1,2}}\s+(?:{'|'.join(MONTHS)})\.?\s+\d{{4}})\s*$", re.IGNORECASE)
_GENERIC_TITLE = re.compile(
    r"^(?:microsoft\s+(?:word|powerpoint|excel)\b.*|untitled.*|document\d*|dokumen\d*|presentation\d*|"
    r"book\d*|sheet\d*|slide\s*\d*|judul|title|tanpa judul|.*\.(?:docx?|pdf|xlsx?|pptx?|odt|png|jpe?g|tiff?))$",
    re.IGNORECASE)
MAX_TITLE_WORDS = 30


def meaningful_title(title: str, path: Path) -> bool:
    """Is a metadata title worth showing (not empty, not "Microsoft Word - x.docx", not the file name)?"""
    title = " ".join(title.split())
    if len(re.findall(r"[^\W\d_]{2,}", title)) < 2 or len(title.split()) > MAX_TITLE_WORDS:
        return False
    return not _GENERIC_TITLE.match(title) and title.casefold() != path.stem.casefold()


def text_date(text: str) -> str | None:
    """A publication date found in the text: the last signature line, else a dateline among the first lines."""
    signed = [m[1] for m in _SIGNATURE_DATE.finditer(text)]
    for candidate in reversed(signed):
        if date := parse_date(candidate):
            return date
    for line in text.splitlines()[:12]:
        if line.strip() and is_dateline(line) and (date := parse_date(line)):
            return date
    return None


def _heading_like(text: str) -> bool:
    """A short first line without final punctuation reads as a heading (scans lose type sizes)."""
    return len(text.split()) <= 15 and not text.rstrip().endswith((".", ",", ";"))


def file_title(path: Path) -> str:
    """A title made from a file name: "profil_inovasi-2024" → "profil inovasi 2024"."""
    return " ".join(re.split(r"[_\s]+|(?<=\D)-|-(?=\D)", path.stem)).strip() or path.name


def build_article(blocks: Iterable[Block], path: Path, *, meta_title: str = "", meta_date: str | None = None,
                  heading: str = "", part: str = "", page_kind: str = "hal.") -> Article:
    """An Article of the blocks: text with a blank line between blocks, ``pages`` at each page change.

    ``heading``: the reader's best title candidate (else the first heading block); ``page_kind``: how a page
    is named to readers ("hal.", "slide", "baris"). SkipInput when there is no text."""
    parts: list[str] = []
    pages: list[tuple[int, int]] = []
    offset = 0
    first_heading = heading
    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        if not first_heading and (block.heading or (not parts and _heading_like(text))):
            first_heading = text
        if not pages or pages[-1][1] != block.page:
            pages.append((offset, block.page))
        pages += [(offset + at, page) for at, page in block.breaks if page != pages[-1][1]]
        parts.append(text)
        offset += len(text) + 2
    body = "\n\n".join(parts)
    if not body.strip():
        raise SkipInput(f"{path}: no text found in the document")
    title = meta_title if meaningful_title(meta_title, path) else (first_heading or file_title(path))
    title = " ".join(title.split())
    extra = {"page_kind": page_kind, "file_name": path.name, "pages": json.dumps(pages)}
    if part:
        extra["part"] = part
    return Article(article_id=make_article_id("document", str(path), part), title=title, text=body,
                   date=text_date(body) or meta_date, origin=str(path), extra=extra, pages=pages)
