"""The reader's training data: parts split by passage, positives at their answer, hard negatives without it (BM25
and the served search's), on a tiny judged split written here."""

from __future__ import annotations

from collections import Counter

import pytest

from search_app.tools.reader_data import examples, hard_negatives, load_split, part_of
from search_app.tools.search_negatives import DEPTH_SEARCHED, search_negatives
from tests import tiny

QUESTIONS = {  # id -> (question, gold answer, judged article)
    "q1": ("Berapa Aparatur Sipil Negara mengikuti pelatihan layanan daring?", "40", "pegawai-d"),
    "q2": ("Apa yang dipanen petani Wonosari pada musim hujan?", "alpukat dan durian", "kebun-a"),
    "q3": ("Berapa kilometer jalan rusak yang diperbaiki pemerintah desa?", "dua kilometer", "jalan-e"),
}


@pytest.fixture()
def split(tmp_path, monkeypatch):
    """A judged split with answers in ``kecil/`` (``tiny.judged_split``)."""
    queries = [{"id": q, "text": text, "answers": [answer]} for q, (text, answer, _) in QUESTIONS.items()]
    return tiny.judged_split(tmp_path, monkeypatch, queries, {q: doc for q, (_, _, doc) in QUESTIONS.items()})


def test_parts_are_split_by_passage_about_one_in_ten_each_and_stable():
    parts = Counter(part_of("some-split", f"p{i}") for i in range(5000))
    assert 400 < parts["validation"] < 600 and 400 < parts["calibration"] < 600
    assert parts["train"] == 5000 - parts["validation"] - parts["calibration"]
    assert part_of("tydiqa-id-goldp", "p1") == part_of("tydiqa-id-goldp", "p1")
    assert len({part_of(name, "p1") for name in ("a", "b", "c", "d", "e", "f", "g", "h")}) > 1  # split-salted


def every_part_examples(split, **options) -> list:
    return [e for part in ("train", "calibration", "validation") for e in examples(split, part, **options)]


def test_positives_point_at_their_answer_and_bm25_negatives_lack_it(split):
    corpus, questions = load_split(split)
    assert {q.id for q in questions} == set(QUESTIONS)
    found = every_part_examples(split)
    positives = [e for e in found if e.answer_start >= 0]
    assert {e.answer for e in positives} == {answer for _, answer, _ in QUESTIONS.values()}
    for example in positives:
        assert example.context[example.answer_start:example.answer_start + len(example.answer)] == example.answer
    negatives = [e for e in found if e.answer_start < 0]
    assert negatives and len(negatives) == len(hard_negatives(split, corpus, questions))
    answer_of = {text: answer for text, answer, _ in QUESTIONS.values()}
    for example in negatives:
        assert answer_of[example.question].lower() not in example.context.lower()
        assert example.context in corpus.values() and example.answer == ""
    assert not [e for e in every_part_examples(split, negatives=None) if e.answer_start < 0]


def test_search_negatives_are_served_results_the_box_would_read_without_the_answer(split):
    from search_app.served import served_search
    from search_app.tools.evaluate import eval_searcher

    corpus, questions = load_split(split)
    negatives = search_negatives(split, corpus, questions)
    assert set(negatives) == set(QUESTIONS)  # every question has a wrong result among its first ones
    searcher = eval_searcher(split / "corpus.jsonl")
    for question in questions:
        served = served_search(searcher, question.text, k=10, facets=False).results[:DEPTH_SEARCHED]
        source = next(r for r in served if r.passage == negatives[question.id])
        assert source.article_id != question.passage_id
        assert question.answers[0].lower() not in corpus[source.article_id].lower()


def write_run(folder, tensors: dict, info: dict) -> None:
    import json

    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True)
    state = {k: torch.tensor(v, dtype=torch.bfloat16) for k, v in tensors.items()}
    save_file(state, str(folder / "reader.safetensors"))
    (folder / "reader.json").write_text(json.dumps(info))


def test_a_soup_averages_its_runs_and_reuses_only_finished_runs_of_the_same_recipe(tmp_path):
    import json

    from safetensors.torch import load_file

    from search_app.tools.train_reader import average_runs, finished_run

    recipe = {"trained_layers": 12, "epochs": 3, "lr": 8e-5, "negative_source": "bm25"}
    write_run(tmp_path / "bm25", {"w": [1.0, 2.0], "b": [0.5]}, {**recipe, "training_seconds": 10})
    write_run(tmp_path / "search", {"w": [3.0, -2.0], "b": [1.5]}, {**recipe, "negative_source": "search"})
    average_runs([tmp_path / "bm25", tmp_path / "search"], tmp_path / "out", {"trained_layers": 12})
    soup = load_file(str(tmp_path / "out" / "reader.safetensors"))
    assert soup["w"].float().tolist() == [2.0, 0.0] and soup["b"].float().tolist() == [1.0]
    assert json.loads((tmp_path / "out" / "reader.json").read_text()) == {"trained_layers": 12}
    assert finished_run(tmp_path / "bm25", recipe)["training_seconds"] == 10
    assert finished_run(tmp_path / "bm25", {**recipe, "epochs": 4}) is None  # another recipe: trained again
    assert finished_run(tmp_path / "search", {**recipe, "negative_source": "search"}) is None  # not finished
    write_run(tmp_path / "other", {"w": [1.0, 2.0]}, recipe)
    with pytest.raises(ValueError, match="same tensors"):
        average_runs([tmp_path / "bm25", tmp_path / "other"], tmp_path / "out2", {})
