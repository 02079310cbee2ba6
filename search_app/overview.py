"""What the index holds, for the home page: counts, outlets, date span and the most covered regions."""

from __future__ import annotations

import json
from collections import Counter

from ingest.regions import region_of
from ingest.store import Index


def index_overview(index: Index, top: int = 8) -> dict:
    """``{"articles", "sources", "first", "last", "regions": [(name, count)…]}`` (kabupaten/kota only)."""
    db = index.db
    articles, sources, first, last = db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT NULLIF(source, '')), MIN(date), MAX(date) FROM articles "
        "WHERE published=1").fetchone()
    counts: Counter[str] = Counter()
    for (raw,) in db.execute("SELECT regions FROM articles WHERE published=1"):
        counts.update(json.loads(raw or "[]"))
    local = [(name, n) for name, n in counts.most_common()
             if (region := region_of(name)) is not None and region.kind != "provinsi"]
    return {"articles": articles, "sources": sources, "first": first, "last": last, "regions": local[:top]}
