"""Facet counts: how many distinct articles of the query's pool carry each outlet, category, region and year.

Each facet is counted with every other filter applied but not its own (the usual faceted-search convention),
so ticking a second outlet widens the result and the counts say by how much. Selected values are always
listed, with their count, even when it is zero.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence

from ingest.regions import region_of, short_label
from search_app.catalog import ArticleMeta

FACET_FIELDS = {"source": "sources", "category": "categories", "region": "regions"}


def row_regions(row) -> list[str]:
    """The regions stored with an article (a JSON list)."""
    return json.loads(row["regions"] or "[]")


def facet_counts(metas: Iterable[ArticleMeta], filters) -> dict[str, list[dict]]:
    """``{"source": [{"value", "count", "selected"}…], "category": …, "region": …, "year": …}``
    over the distinct articles of ``metas`` (search_app/catalog.py)."""
    articles = list({meta.article_id: meta for meta in metas}.values())
    out: dict[str, list[dict]] = {}
    for facet, field in FACET_FIELDS.items():
        counts = Counter(v for meta in _allowed(articles, filters.without(facet)) for v in _values(meta, facet))
        out[facet] = _entries(counts, getattr(filters, field))
    for entry in out["region"]:
        region = region_of(entry["value"])
        entry.update(label=region.label if region else entry["value"], kind=region.kind if region else "",
                     province=region.province if region else "")
    out["year"] = _years(articles, filters)
    return out


def _allowed(articles: list[ArticleMeta], filters) -> list[ArticleMeta]:
    return [meta for meta in articles if filters.allows(meta)] if filters.active() else articles


def _values(meta: ArticleMeta, facet: str) -> Sequence[str]:
    if facet == "region":
        return meta.regions
    value = getattr(meta, facet)
    return [value] if value else ()


def _entries(counts: Counter, selected: list[str]) -> list[dict]:
    values = sorted(set(counts) | set(selected), key=lambda v: (-counts[v], v.casefold()))
    return [{"value": v, "count": counts[v], "selected": v in selected} for v in values]


def _years(articles: list[ArticleMeta], filters) -> list[dict]:
    counts = Counter(str(meta.day // 10000) for meta in _allowed(articles, filters.without("date")) if meta.day)
    return [{"value": year, "count": counts[year], "date_from": f"{year}-01-01", "date_to": f"{year}-12-31",
             "selected": filters.date_from == f"{year}-01-01" and filters.date_to == f"{year}-12-31"}
            for year in sorted(counts, reverse=True)]


def region_tree(entries: list[dict]) -> list[tuple[dict, list[dict]]]:
    """Region facet entries as provinsi → its kabupaten/kota, each list in count order."""
    provinces = {e["value"]: e for e in entries if e["kind"] == "provinsi"}
    children: dict[str, list[dict]] = {}
    for e in entries:
        if e["kind"] != "provinsi":
            parent = e["province"] or e["value"]
            provinces.setdefault(parent, {"value": parent, "label": short_label(parent), "kind": "provinsi",
                                          "province": parent, "count": 0, "selected": False})
            children.setdefault(parent, []).append(e)
    order = sorted(provinces.values(), key=lambda e: (-e["count"], e["label"].casefold()))
    return [(p, children.get(p["value"], [])) for p in order]
