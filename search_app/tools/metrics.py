"""Ranking metrics as pure functions: a ranked list of doc ids against graded relevance judgments."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def dcg(gains: Sequence[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked: Sequence[str], qrels: Mapping[str, float], k: int) -> float:
    """nDCG@k with linear gains; 0 when nothing is relevant."""
    ideal = dcg(sorted((g for g in qrels.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([qrels.get(doc, 0.0) for doc in ranked[:k]]) / ideal


def mrr_at(ranked: Sequence[str], qrels: Mapping[str, float], k: int) -> float:
    for i, doc in enumerate(ranked[:k]):
        if qrels.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranked: Sequence[str], qrels: Mapping[str, float], k: int) -> float:
    relevant = {d for d, g in qrels.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def precision_at(ranked: Sequence[str], qrels: Mapping[str, float], k: int) -> float:
    return sum(1 for doc in ranked[:k] if qrels.get(doc, 0) > 0) / k


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def evaluate_run(run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Mean metrics over the queries of ``qrels`` (a query missing from ``run`` scores 0)."""
    names = {"ndcg@10": lambda r, q: ndcg_at(r, q, 10), "mrr@10": lambda r, q: mrr_at(r, q, 10),
             "recall@10": lambda r, q: recall_at(r, q, 10), "recall@100": lambda r, q: recall_at(r, q, 100),
             "p@1": lambda r, q: precision_at(r, q, 1)}
    n = len(qrels)
    out = {name: sum(fn(run.get(qid, []), rel) for qid, rel in qrels.items()) / n if n else 0.0
           for name, fn in names.items()}
    out["queries"] = n
    return out
