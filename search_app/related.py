"""Artikel terkait: the articles nearest to one article by meaning.

The article is represented by the mean of its passage vectors (read back from Chroma); the nearest passages
are grouped by article, keeping one article per wire-copy cluster and never the article's own cluster.
"""

from __future__ import annotations

import numpy as np

from ingest.store import Index

DEPTH = 80  # nearest passages looked at


def related_articles(index: Index, article_id: str, n: int = 5) -> list[dict]:
    """Up to ``n`` related articles, best first: article_id, title, source, date, url, score."""
    own = index.article(article_id)
    vectors = index.vectors.get_vectors(index.passage_ids_of(article_id), partial=True) if own else {}
    if not vectors:
        return []
    centre = np.mean(list(vectors.values()), axis=0)
    centre /= np.linalg.norm(centre) or 1.0
    hits = index.vectors.nearest(centre, DEPTH)
    rows = index.passages([pid for pid, _ in hits])
    seen = {own["cluster_id"] or article_id}
    found: list[dict] = []
    for pid, score in hits:
        row = rows.get(pid)
        if row is None or row["article_id"] == article_id or row["cluster_id"] in seen:
            continue
        seen.add(row["cluster_id"])
        found.append({"article_id": row["article_id"], "title": row["title"], "source": row["source"],
                      "date": row["date"], "url": row["url"], "score": round(float(score), 4)})
        if len(found) == n:
            break
    return found
