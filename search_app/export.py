"""Exporting a result set as CSV (for spreadsheets) with the same rows the JSON API returns."""

from __future__ import annotations

import csv
import io

from search_app.search import SearchResponse

COLUMNS = ("rank", "score", "title", "source", "date", "category", "regions", "url", "article_id", "passage_id",
           "answer", "passage", "also_published")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def to_csv(response: SearchResponse) -> str:
    """One row per result; lists joined with "; "; cells that a spreadsheet would run as formulas defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in response.results:
        copies = "; ".join(f"{c['source'] or c['title']} ({(c['date'] or '')[:10]}) {c['url']}".strip()
                           for c in r.also_published)
        values = {"rank": r.rank, "score": r.score, "title": r.title, "source": r.source, "date": r.date or "",
                  "category": r.category, "regions": "; ".join(r.regions), "url": r.url,
                  "article_id": r.article_id, "passage_id": r.passage_id, "answer": r.answer or "",
                  "passage": r.passage, "also_published": copies}
        writer.writerow([_cell(values[c]) for c in COLUMNS])
    return out.getvalue()


def _cell(value: object) -> object:
    """Text starting like a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
