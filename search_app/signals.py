"""Query–passage match signals beyond BM25 and cosine, as pure functions over analysed terms.

A passage's stored terms are grouped: the title first, then one group per sentence, separated by ``|``
(see ``ingest.pipeline.passage_terms``). Each signal is in [0, 1] and weighs query terms by their idf.
Measured and dropped: passage-level coverage and query-bigram overlap (no gain on the dev splits).
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


def stored_sentence_coverage(terms: Sequence[str], weights: np.ndarray, stored: str) -> float:
    """``sentence_coverage`` over a passage's stored, ``|``-grouped term string (space-separated terms).

    Query terms absent from the whole passage cannot count, and with at most one present term no sentence
    needs reading: most candidates are settled by substring tests."""
    total = float(weights.sum())
    padded = f" {stored} "
    present = [i for i, term in enumerate(terms) if f" {term} " in padded]
    if total <= 0 or not present:
        return 0.0
    if len(present) == 1:
        return float(weights[present[0]]) / total
    kept = [terms[i] for i in present]
    best = sentence_coverage(kept, weights[present], [set(group.split()) for group in stored.split("|")])
    return best * float(weights[present].sum()) / total
