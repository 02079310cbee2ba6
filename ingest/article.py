"""The records that flow through ingest: articles, passages and skip reasons."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


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


def make_article_id(*parts: str) -> str:
    """A stable article id derived from identifying parts (url, or origin + title)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
