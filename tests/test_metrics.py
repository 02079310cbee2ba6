"""Metrics against hand-computed cases."""

import math

import pytest

from search_app.tools.metrics import evaluate_run, mrr_at, ndcg_at, percentile, precision_at, recall_at


def test_ndcg_single_relevant_at_rank_two():
    assert ndcg_at(["a", "b", "c"], {"b": 1}, 10) == pytest.approx(1 / math.log2(3))


def test_ndcg_graded_ideal_order_is_one_and_swapped_is_less():
    qrels = {"a": 2, "b": 1}
    assert ndcg_at(["a", "b"], qrels, 10) == pytest.approx(1.0)
    swapped = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg_at(["b", "a"], qrels, 10) == pytest.approx(swapped)


def test_ndcg_cutoff_ignores_hits_below_k():
    assert ndcg_at(["x", "y", "a"], {"a": 1}, 2) == 0.0


def test_mrr_recall_precision():
    ranked = ["x", "a", "y", "b"]
    qrels = {"a": 1, "b": 1, "c": 1}
    assert mrr_at(ranked, qrels, 10) == 0.5
    assert recall_at(ranked, qrels, 2) == pytest.approx(1 / 3)
    assert recall_at(ranked, qrels, 10) == pytest.approx(2 / 3)
    assert precision_at(ranked, qrels, 1) == 0.0
    assert precision_at(["a"], qrels, 1) == 1.0


def test_evaluate_run_averages_and_counts_missing_queries_as_zero():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    out = evaluate_run({"q1": ["a"]}, qrels)
    assert out["queries"] == 2
    assert out["mrr@10"] == 0.5
    assert out["p@1"] == 0.5


def test_percentile_interpolates():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 95) == 5
    assert percentile([], 50) == 0.0
