"""Query–passage match signals beyond BM25 and cosine, as pure functions over analysed terms.

A passage's stored terms are grouped: the title first, then one group per sentence (see
``ingest.pipeline.passage_rows``). Each signal is in [0, 1] and weighs query terms by their idf.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def coverage(terms: Sequence[str], weights: np.ndarray, group: set[str]) -> float:
    """Share of the query's idf mass whose terms occur in ``group``."""
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    return float(sum(w for t, w in zip(terms, weights) if t in group)) / total


def sentence_coverage(terms: Sequence[str], weights: np.ndarray, groups: Sequence[set[str]]) -> float:
    """The best single sentence's coverage: query terms close together, as in an answer sentence."""
    return max((coverage(terms, weights, g) for g in groups), default=0.0)


def bigram_overlap(terms: Sequence[str], passage_terms: Sequence[str]) -> float:
    """Share of the query's adjacent term pairs that also occur adjacent in the passage."""
    pairs = set(zip(terms, terms[1:]))
    if not pairs:
        return 0.0
    return len(pairs & set(zip(passage_terms, passage_terms[1:]))) / len(pairs)


def passage_signals(terms: Sequence[str], weights: np.ndarray, stored: str) -> tuple[float, float, float]:
    """(passage coverage, best-sentence coverage, bigram overlap) for a passage's stored term string."""
    groups = [g.split() for g in stored.split("|")]
    flat = [t for g in groups for t in g]
    return (coverage(terms, weights, set(flat)), sentence_coverage(terms, weights, [set(g) for g in groups]),
            bigram_overlap(terms, flat))
