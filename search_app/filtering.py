"""Dense candidates under a date/source/category/region filter, without Chroma's slow ``where`` path.

Chroma answers an unfiltered top-k over 100k vectors in a few ms but takes 120-170 ms with a metadata
``where``. A filtered query instead gets the unfiltered candidates, as before (they also feed the facet
counts, which count other outlets, years... than the selected ones), plus the best ``FILTERED_DEPTH`` of the
passages the filter allows, found without ``where``: the allowed passages come from columns held in memory
(day, outlet, category, regions per passage, aligned with the vector table of ``ingest/vectable.py``), then

- a broad filter: the allowed ones among the unfiltered top ``depth`` (no extra work);
- a selective one: exact cosine of every allowed passage's vector, from the memory-mapped table (cheaper than
  over-fetching: at 100k passages, 15k allowed rows score in ~5 ms, a Chroma query of 1,700 instead of 1,000
  costs ~10 ms more, and is approximate);
- more than ``EXACT_ROWS`` allowed passages but still too few among the hits (large indexes): an unfiltered
  Chroma query over-fetched by the inverse of the allowed share (at most ``MAX_FETCH``), then exact if short.

Before, a selective filter could leave nothing of the fixed unfiltered top-1000; now the allowed passages'
best cosines are always among the candidates.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from ingest.vectable import VectorTable, table_dir
from search_app.catalog import Catalog, LiveCatalog

FILTERED_DEPTH = 200  # allowed passages added to the unfiltered candidates
EXACT_ROWS = 50_000  # exact scoring of up to this many allowed passages (measured: 15k rows in ~5 ms)
MAX_FETCH = 4_000  # largest unfiltered Chroma over-fetch (for more allowed passages than EXACT_ROWS)
OVERFETCH = 1.3  # margin over depth / allowed share


@dataclass
class FilterColumns:
    """Per table row: day (YYYYMMDD, 0 when undated), outlet and category codes, and rows per region."""

    day: np.ndarray
    source: np.ndarray
    category: np.ndarray
    sources: dict[str, int]
    categories: dict[str, int]
    regions: dict[str, np.ndarray]

    @classmethod
    def load(cls, catalog: Catalog, ids: list[str]) -> FilterColumns:
        day = np.zeros(len(ids), dtype=np.int32)
        source = np.full(len(ids), -1, dtype=np.int32)
        category = np.full(len(ids), -1, dtype=np.int32)
        sources: dict[str, int] = {}
        categories: dict[str, int] = {}
        regions: dict[str, list[int]] = {}
        for row, pid in enumerate(ids):
            meta = catalog.by_passage.get(pid)
            if meta is None:
                continue
            day[row] = meta.day or 0
            source[row] = sources.setdefault(meta.source, len(sources))
            category[row] = categories.setdefault(meta.category, len(categories))
            for name in meta.regions:
                regions.setdefault(name, []).append(row)
        return cls(day, source, category, sources, categories,
                   {k: np.asarray(v, dtype=np.int64) for k, v in regions.items()})

    def allowed(self, filters) -> np.ndarray:
        """Boolean mask of the rows ``filters`` allow (same rules as ``Filters.allows``)."""
        mask = np.ones(len(self.day), dtype=bool)
        if filters.date_from:
            mask &= self.day >= int(filters.date_from.replace("-", ""))
        if filters.date_to:
            mask &= (self.day > 0) & (self.day <= int(filters.date_to.replace("-", "")))
        if filters.sources:
            mask &= np.isin(self.source, [self.sources.get(s, -2) for s in filters.sources])
        if filters.categories:
            mask &= np.isin(self.category, [self.categories.get(c, -2) for c in filters.categories])
        if filters.regions:
            in_region = np.zeros(len(self.day), dtype=bool)
            for name in filters.regions:
                in_region[self.regions.get(name, np.zeros(0, dtype=np.int64))] = True
            mask &= in_region
        return mask


class LocalVectors:
    """The vector table and filter columns of one index, reloaded when ingest rewrites the table."""

    def __init__(self, index, catalog: LiveCatalog):
        self.index = index
        self.catalog = catalog
        self.directory = table_dir(index.directory)
        self.table: VectorTable | None = None
        self.columns: FilterColumns | None = None
        self._stamp: float | None = None
        self._lock = threading.Lock()

    def current(self) -> tuple[VectorTable, FilterColumns] | None:
        """The table and columns, or None when ingest has not written a table (older index)."""
        meta = self.directory / "table.json"
        stamp = meta.stat().st_mtime if meta.exists() else None
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._load(stamp)
        return (self.table, self.columns) if self.table is not None else None

    def _load(self, stamp: float | None) -> None:
        table = None
        if stamp is not None:
            try:
                table = VectorTable.load(self.directory)
            except (OSError, ValueError, KeyError):
                table = None
        self.columns = FilterColumns.load(self.catalog.current(), table.ids) if table is not None else None
        self.table = table
        self._stamp = stamp
        self.index.vectors.attach_local(table)


def dense_candidates(searcher, text: str, depth: int, filters) -> tuple[dict[str, float], np.ndarray]:
    """Dense candidates (id -> cosine): the unfiltered top ``depth`` plus the best allowed ones; and the vector."""
    local = searcher.local_vectors().current()  # also serves the vectors of BM25-only candidates
    if local is None or filters is None or not filters.active():
        return searcher.dense_candidates(text, depth)
    table, columns = local
    vector = searcher.query_vector(text)
    hits = searcher.index.vectors.nearest(vector, depth)
    mask = columns.allowed(filters)
    allowed, extra = int(mask.sum()), min(depth, FILTERED_DEPTH)
    best = _allowed_hits(hits, table, mask, extra)
    if len(best) < min(extra, allowed):  # too few allowed among the unfiltered hits: a selective filter
        rows = np.flatnonzero(mask)
        fetch = math.ceil(extra * len(mask) / allowed * OVERFETCH)
        if len(rows) > EXACT_ROWS and fetch <= MAX_FETCH:
            best = _allowed_hits(searcher.index.vectors.nearest(vector, fetch), table, mask, extra)
        if len(best) < min(extra, allowed):
            best = table.top(vector, rows, extra)
    found = dict(hits)
    found.update(best)
    return found, vector


def _allowed_hits(hits: list[tuple[str, float]], table: VectorTable, mask: np.ndarray, n: int
                  ) -> list[tuple[str, float]]:
    rows = table.rows
    return [(pid, score) for pid, score in hits if pid in rows and mask[rows[pid]]][:n]

