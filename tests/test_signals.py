"""Match signals over grouped passage terms."""

import numpy as np
import pytest

from search_app.signals import coverage, sentence_coverage, stored_sentence_coverage


def test_coverage_weighs_terms_by_idf():
    terms, weights = ["inovasi", "lahir", "lampung"], np.array([1.0, 2.0, 1.0])
    assert coverage(terms, weights, {"lahir"}) == pytest.approx(0.5)
    assert coverage(terms, weights, set()) == 0.0
    assert coverage(terms, np.zeros(3), {"lahir"}) == 0.0


def test_best_sentence_wins_over_terms_spread_across_sentences():
    terms, weights = ["inovasi", "lahir", "132"], np.ones(3)
    spread = "judul | inovasi daerah | lahir program | 132 desa"
    together = "judul | lampung lahir 132 inovasi | lain"
    assert stored_sentence_coverage(terms, weights, spread) == pytest.approx(1 / 3)
    assert stored_sentence_coverage(terms, weights, together) == pytest.approx(1.0)
    assert sentence_coverage(terms, weights, []) == 0.0


def test_stored_coverage_equals_the_definition_on_random_passages():
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(12)]
    for _ in range(300):
        terms = list(dict.fromkeys(rng.choice(vocab, size=rng.integers(1, 6))))
        weights = rng.random(len(terms))
        groups = [" ".join(rng.choice(vocab, size=rng.integers(0, 6))) for _ in range(rng.integers(1, 5))]
        stored = " | ".join(groups).strip()
        expected = sentence_coverage(terms, weights, [set(g.split()) for g in stored.split("|")])
        assert stored_sentence_coverage(terms, weights, stored) == pytest.approx(expected)
