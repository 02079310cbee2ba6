"""Fusion of retrieval signals as small pure functions over score arrays (aligned by candidate)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] over the candidates; a constant array becomes all zeros (no information)."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return scores
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-12:
        return np.zeros_like(scores)
    return (scores - low) / (high - low)


def convex(dense: np.ndarray, lexical: np.ndarray, *, dense_weight: float = 0.6) -> np.ndarray:
    """Weighted sum of min-max normalised dense and BM25 scores over the same candidates."""
    return dense_weight * minmax(dense) + (1.0 - dense_weight) * minmax(lexical)


@dataclass(frozen=True)
class HybridWeights:
    """Weights of the hybrid score; fitted on the dev splits (see search_app/tune.py)."""

    dense: float = 0.6
    lexical: float = 0.4
    sentence: float = 0.3
    bigram: float = 0.2


def hybrid(dense: np.ndarray, lexical: np.ndarray, sentence: np.ndarray, bigram: np.ndarray,
           weights: HybridWeights = HybridWeights()) -> np.ndarray:
    """Min-max normalised dense and BM25 scores plus best-sentence coverage and bigram overlap (both in [0, 1])."""
    return (weights.dense * minmax(dense) + weights.lexical * minmax(lexical)
            + weights.sentence * np.asarray(sentence) + weights.bigram * np.asarray(bigram))


def rrf(*rankings: np.ndarray, k: float = 60.0) -> np.ndarray:
    """Reciprocal-rank fusion; each ranking gives every candidate's 0-based rank (np.inf = not retrieved)."""
    total = np.zeros(len(rankings[0]), dtype=np.float64)
    for ranks in rankings:
        total += np.where(np.isfinite(ranks), 1.0 / (k + ranks + 1.0), 0.0)
    return total


def ranks_of(scores: np.ndarray) -> np.ndarray:
    """0-based rank of each score, best (highest) first."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    ranks = np.empty(len(order), dtype=np.float64)
    ranks[order] = np.arange(len(order))
    return ranks
