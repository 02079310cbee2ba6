"""Fusion functions."""

import numpy as np
import pytest

from search_app.fuse import convex, minmax, ranks_of, rrf


def test_minmax_scales_and_handles_constant():
    assert minmax(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([7.0, 7.0])).tolist() == [0.0, 0.0]


def test_convex_weights_each_signal():
    dense = np.array([0.9, 0.8, 0.7])
    lexical = np.array([0.0, 10.0, 5.0])
    assert convex(dense, lexical, dense_weight=1.0).tolist() == pytest.approx([1.0, 0.5, 0.0])
    fused = convex(dense, lexical, dense_weight=0.5)
    assert fused.argmax() == 1  # strong on BM25, middling on dense
    assert fused.tolist() == pytest.approx([0.5, 0.75, 0.25])


def test_rrf_and_ranks():
    a = ranks_of(np.array([3.0, 1.0, 2.0]))
    assert a.tolist() == [0, 2, 1]
    b = np.array([np.inf, 0, 1])
    fused = rrf(a, b, k=60)
    assert fused[0] == pytest.approx(1 / 61)
    assert fused[2] == pytest.approx(1 / 62 + 1 / 62)


def test_zscore_and_hybrid():
    from search_app.fuse import HybridWeights, hybrid, zscore

    assert zscore(np.array([1.0, 3.0])).tolist() == [-1.0, 1.0]
    assert zscore(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]
    dense, lexical = np.array([0.90, 0.89, 0.70]), np.array([1.0, 9.0, 0.5])
    no_match = np.zeros(3)
    assert hybrid(dense, lexical, no_match, HybridWeights(1, 0, 0)).argmax() == 0
    assert hybrid(dense, lexical, no_match).argmax() == 1  # close on dense, far ahead on BM25
    sentence = np.array([0.0, 0.0, 1.0])
    assert hybrid(dense, lexical, sentence, HybridWeights(0, 0, 1)).argmax() == 2


def test_deeper_candidates_do_not_rescale_the_reference_ones():
    from search_app.fuse import hybrid, zscore

    assert zscore(np.array([1.0, 3.0, 100.0]), np.array([True, True, False])).tolist() == [-1.0, 1.0, 98.0]
    assert zscore(np.array([5.0]), np.array([False])).tolist() == [0.0]
    rng = np.random.default_rng(1)
    dense, lexical, sentence = rng.random(8), rng.random(8) * 10, rng.random(8)
    head = hybrid(dense, lexical, sentence)
    deep = hybrid(np.r_[dense, rng.random(20) * 0.5], np.r_[lexical, rng.random(20)], np.r_[sentence, np.zeros(20)],
                  reference=np.r_[np.ones(8, bool), np.zeros(20, bool)])
    np.testing.assert_allclose(deep[:8], head)
