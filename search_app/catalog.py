"""What ranking needs to know of every passage, held in memory: its article's date, outlet, category, regions
and wire-copy cluster.

A search scores up to ~2,000 candidates; filtering them, keeping two per article, grouping wire copies,
sorting by date and counting facets read this metadata for every candidate. From SQLite that costs ~18 ms a
query at 100k passages (the rows carry text and terms); from this catalog, about 1 ms. Only the page's
results, the best 200 candidates (sentence signal) and, for phrase or exclusion queries, all candidates are
read as full rows.

The catalog is read once (0.55–1.0 s and ~40 MB at 100k passages) and again after any commit to the index.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import NamedTuple


class ArticleMeta(NamedTuple):
    """An article's metadata as filters, grouping, sorting and facets use it."""

    article_id: str
    date: str | None
    day: int | None  # YYYYMMDD
    source: str
    category: str
    regions: tuple[str, ...]
    cluster_id: str


class Catalog:
    """Passage id -> its article's ``ArticleMeta``, for every passage of an index."""

    def __init__(self, by_passage: dict[str, ArticleMeta]):
        self.by_passage = by_passage

    @classmethod
    def load(cls, index) -> Catalog:
        articles: dict[str, ArticleMeta] = {}
        by_passage: dict[str, ArticleMeta] = {}
        rows = index.db.execute(
            "SELECT p.passage_id, a.article_id, a.date, a.day, a.source, a.category, a.regions, "
            "COALESCE(a.cluster_id, a.article_id) FROM passages p JOIN articles a USING (article_id) "
            "WHERE a.published=1")
        for pid, aid, date, day, source, category, regions, cluster in rows:
            meta = articles.get(aid)
            if meta is None:
                meta = articles[aid] = ArticleMeta(aid, date, day, source, category,
                                                   tuple(json.loads(regions or "[]")), cluster)
            by_passage[pid] = meta
        return cls(by_passage)

    def metas(self, passage_ids: Iterable[str]) -> dict[str, ArticleMeta]:
        """The metadata of the given passages that the index holds."""
        get = self.by_passage.get
        return {pid: meta for pid in passage_ids if (meta := get(pid)) is not None}


class LiveCatalog:
    """The catalog of an index, read again when the index has changed since (thread-safe)."""

    def __init__(self, index):
        self.index = index
        self._catalog: Catalog | None = None
        self._stamp: tuple | None = None
        self._lock = threading.Lock()

    def current(self) -> Catalog:
        """The catalog of what is published now. A reader that finds work a writer left behind (unpublished
        articles, stale BM25 or vector table) and no busy writer (a writer was killed) brings the index in step
        first (``ingest.pipeline.recover``)."""
        stamp = self.index.stamp()
        if self._catalog is None or stamp != self._stamp:
            with self._lock:
                if self._catalog is None or stamp != self._stamp:
                    if self.index.needs_settling():
                        from ingest.pipeline import recover

                        recover(self.index)
                        stamp = self.index.stamp()
                    self._catalog, self._stamp = Catalog.load(self.index), stamp
        return self._catalog
