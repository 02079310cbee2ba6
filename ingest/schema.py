"""The index's SQLite tables and the rows written to them (articles, passages, vector metadata)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ingest.article import Article

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, date TEXT, day INTEGER,
    source TEXT NOT NULL, url TEXT NOT NULL, category TEXT NOT NULL, author TEXT NOT NULL,
    origin TEXT NOT NULL, extra TEXT NOT NULL, fingerprint TEXT NOT NULL, regions TEXT NOT NULL DEFAULT '[]',
    cluster_id TEXT
);
CREATE INDEX IF NOT EXISTS articles_origin ON articles(origin);
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY, article_id TEXT NOT NULL, position INTEGER NOT NULL, text TEXT NOT NULL,
    start_char INTEGER NOT NULL, end_char INTEGER NOT NULL, tokens TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_article ON passages(article_id);
CREATE TABLE IF NOT EXISTS pending_deletes (passage_id TEXT PRIMARY KEY);
"""
ARTICLE_COLUMNS = ("article_id", "title", "text", "date", "day", "source", "url", "category", "author", "origin",
                   "extra", "fingerprint", "regions", "cluster_id")
# Columns added after the first release: (name, declaration) for ALTER TABLE on older index files.
ADDED_COLUMNS = (("regions", "TEXT NOT NULL DEFAULT '[]'"), ("cluster_id", "TEXT"),
                 ("published", "INTEGER NOT NULL DEFAULT 1"))
PASSAGE_COLUMNS = ("passage_id", "article_id", "position", "text", "start_char", "end_char", "tokens", "page",
                   "page_end")
ADDED_PASSAGE_COLUMNS = (("page", "INTEGER"), ("page_end", "INTEGER"))  # documents: first and last page


SENTENCE_MARK = "|"  # separates the title's and each sentence's terms in a passage's stored terms


@dataclass(frozen=True)
class PassageRow:
    """A passage ready to store: its vector plus what the search needs to show it."""

    passage_id: str
    article_id: str
    position: int
    text: str
    start_char: int
    end_char: int
    tokens: list[str]
    page: int | None = None  # page (slide, spreadsheet row) where the passage starts; None: not a document
    page_end: int | None = None  # page where it ends


def day_number(iso_date: str | None) -> int | None:
    """``2025-08-06...`` → 20250806, the form used for date filters."""
    if not iso_date or len(iso_date) < 10:
        return None
    return int(iso_date[:10].replace("-", ""))


def article_vector_metadata(article: Article, row: PassageRow, day: int | None) -> dict:
    return vector_metadata(article.article_id, row.position, article.source, article.category, day)


def vector_metadata(article_id: str, position: int, source: str, category: str, day: int | None) -> dict:
    """A passage vector's metadata in Chroma: the columns that dense search filters on."""
    meta = {"article_id": article_id, "position": position, "source": source, "category": category}
    if day is not None:
        meta["day"] = day
    return meta


def article_values(a: Article) -> tuple:
    return (a.article_id, a.title, a.text, a.date, day_number(a.date), a.source, a.url, a.category, a.author,
            a.origin, json.dumps(a.extra, ensure_ascii=False), a.fingerprint,
            json.dumps(a.regions, ensure_ascii=False), a.article_id)


def passage_values(r: PassageRow) -> tuple:
    return (r.passage_id, r.article_id, r.position, r.text, r.start_char, r.end_char, " ".join(r.tokens), r.page,
            r.page_end)
