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
