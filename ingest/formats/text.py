"""Plain-text articles: title line, dateline, "Key : value" metadata, body, signature, category.

Expected shape (every part but the title and body is optional)::

    Title line

    Rabu 06 Aug 2025 - 21:08 WIB
    Reporter : Name

    PLACE – First paragraph ...

    Last paragraph. (signature)

    Kategori : Something

A ``Sumber :`` or ``Media :`` line names the outlet (``source``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ingest.article import Article, SkipInput, make_article_id
from ingest.dates import MONTHS, parse_date
from ingest.formats.base import ReadOptions

# Metadata keys (lower case) -> Article field; keys not listed here go to ``extra``.
AUTHOR_KEYS = ("reporter", "penulis", "wartawan", "author")
SOURCE_KEYS = ("sumber", "media")
META_KEYS = frozenset([*AUTHOR_KEYS, *SOURCE_KEYS, "editor", "redaktur", "penyunting", "kategori", "category",
                       "foto", "fotografer", "tag", "tags", "topik", "label"])

_META = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ]{1,20}?)\s*:\s*(?P<value>.{0,120}?)\s*$")
_DATELINE_HINT = re.compile(  # a day with a month name, or a numeric date
    rf"\b\d{{1,2}}[\s-]*(?:{'|'.join(MONTHS)})\b|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}",
    re.IGNORECASE)
_PLACE = re.compile(r"^(?P<place>[A-Z][A-Z .'’-]{2,40}?)(?:\s*,[^–—\n]{1,40}?)?\s+(?:–|—|--?)\s+\S")
# "(lusiana)", "(ant/red)", "(*)" ending the last paragraph after its final punctuation, or on its own line.
_SIGNATURE = re.compile(r"(?:(?<=[.!?”\"’'])[ \t]+|^[ \t]*)\((?P<sig>\*|[^\W\d][\w/ .,&-]{0,39})\)[ \t]*$")


def _meta(line: str) -> tuple[str, str] | None:
    """("key", "value") for a known metadata line such as "Reporter : Lusiana Purba"."""
    m = _META.match(line)
    key = " ".join(m["key"].lower().split()) if m else ""
    return (key, m["value"]) if m and key in META_KEYS else None


def is_dateline(line: str) -> bool:
    """A short line that is (mostly) a date: "Rabu 06 Aug 2025 - 21:08 WIB"."""
    return len(line.split()) <= 10 and bool(_DATELINE_HINT.search(line)) and not line.rstrip().endswith(".")


def _normal_key(title: str) -> str:
    return " ".join(title.casefold().split())


def article_identity(title: str, date: str | None, body: str) -> str:
    """An origin-independent id: normalised title + ISO date (title + start of body when undated).

    Moving or renaming the file keeps the id; re-casing or re-spacing the title does too. Without a
    date, the body's first 200 characters stand in, so undated articles sharing a generic title
    ("Pengumuman") stay apart.
    """
    return make_article_id(_normal_key(title), date or _normal_key(body[:200]))


def parse_text_article(text: str, origin: str) -> Article:
    """Parse one plain-text article (``origin`` names it in messages); SkipInput if empty or bodiless.

    The first non-metadata line is the title. Header metadata and the dateline, and trailing metadata
    and signature, are taken out of the body; the body keeps its "PLACE –" prefix.
    """
    lines = [line.rstrip() for line in text.lstrip("\ufeff").splitlines()]  # also CRLF and CR
    if not any(lines):
        raise SkipInput(f"{origin}: empty file")
    meta: dict[str, str] = {}
    title, dateline, i = "", "", 0
    while i < len(lines):  # header: title, dateline and metadata, up to the first other line
        line, found = lines[i].strip(), _meta(lines[i])
        if found:
            meta.setdefault(*found)
        elif line and not title:
            title = line
        elif line and not dateline and is_dateline(line):
            dateline = line
        elif line:
            break
        i += 1
    body_lines = lines[i:]
    signature = ""
    while body_lines:  # footer: trailing blank, metadata and signature lines
        last = body_lines[-1]
        found = _meta(last)
        sig = _SIGNATURE.search(last)
        if found:
            meta.setdefault(*found)
        elif sig and not signature:
            signature = sig["sig"].strip()
            body_lines[-1] = last[:sig.start()].rstrip()
            if body_lines[-1]:
                break
        elif last.strip():
            break
        body_lines.pop()
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", "\n".join(body_lines)) if p.strip()]
    if not paragraphs:
        raise SkipInput(f"{origin}: no body text")
    body = "\n\n".join(paragraphs)
    date = parse_date(dateline) if dateline else None
    extra = {key: value for key, value in meta.items()
             if key not in (*AUTHOR_KEYS, *SOURCE_KEYS, "kategori", "category")}
    if dateline and date is None:
        extra["date_raw"] = dateline
    if signature:
        extra["signature"] = signature
    if place := _PLACE.match(paragraphs[0]):
        extra["dateline_place"] = place["place"].strip()
    return Article(
        article_id=article_identity(title, date, body),
        title=title,
        text=body,
        date=date,
        source=next((meta[k] for k in SOURCE_KEYS if meta.get(k)), ""),
        category=meta.get("kategori", meta.get("category", "")),
        author=next((meta[k] for k in AUTHOR_KEYS if meta.get(k)), ""),
        origin=origin,
        extra=extra,
    )


def read_file_text(raw: bytes, origin: str) -> str:
    """Decode a plain-text article file, or explain in one line why it cannot be read."""
    if not raw.strip():
        raise SkipInput(f"{origin}: empty file")
    if b"\x00" in raw[:4096]:
        raise SkipInput(f"{origin}: binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SkipInput(f"{origin}: not UTF-8 text (invalid byte at offset {err.start}) and no charset declared")\
            from None


def read(path: Path, options: ReadOptions) -> Iterator[Article]:
    """The article of one plain-text export."""
    yield parse_text_article(read_file_text(path.read_bytes(), str(path)), str(path))
