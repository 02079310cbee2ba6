"""The records that flow through ingest: articles, passages and skip reasons."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# Article ids appear in URLs (/artikel/<id>, /api/artikel/<id>): ASCII letters and digits, then also
# "-", "_", ".", "~", ":"; at most 200 characters; never "..". Ids made by Telusur are 16 hex digits.
ARTICLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~:-]{0,199}")
ARTICLE_ID_RULE = ("1-200 ASCII letters, digits, '-', '_', '.', '~' or ':', starting with a letter or digit, "
                   "without '..'")


class SkipInput(Exception):
    """An input (file, line or row) that cannot be ingested; the message says why."""


@dataclass
class Article:
    """One news article, normalised from any input format."""

    article_id: str
    title: str
    text: str  # body only, paragraphs separated by a blank line
    date: str | None = None  # ISO 8601 (date, or date-time with offset)
    source: str = ""  # outlet / site name
    url: str = ""
    category: str = ""
    author: str = ""
    origin: str = ""  # the file it was read from (for --prune and error messages)
    extra: dict[str, str] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)  # kabupaten/kota then provinsi (ingest/regions.py)
    pages: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page) where each page starts

    def page_at(self, offset: int) -> int | None:
        """The page (slide, row) holding ``text[offset]``; None for articles without pages."""
        page = None
        for start, number in self.pages:
            if start > offset:
                break
            page = number
        return page

    @property
    def fingerprint(self) -> str:
        """Hash of everything indexed about the article; a change means re-index."""
        parts = [self.title, self.text, self.date or "", self.source, self.url, self.category,
                 self.author, repr(sorted(self.extra.items())), "|".join(self.regions)]
        if self.pages:  # articles without pages keep the fingerprints they had before pages existed
            parts.append(repr(self.pages))
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def valid_article_id(article_id: str) -> bool:
    """Is ``article_id`` safe to store and to put in a URL path (see ``ARTICLE_ID``)?"""
    return bool(ARTICLE_ID.fullmatch(article_id)) and ".." not in article_id


def unencodable_field(fields: Mapping[str, str]) -> str | None:
    """The name of the first field (or field name) that is not valid Unicode text (a lone surrogate), if any."""
    for name, value in fields.items():
        for text in (name, value):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return name.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return None


def make_article_id(*parts: str) -> str:
    """A stable article id derived from identifying parts (url, or origin + title)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
