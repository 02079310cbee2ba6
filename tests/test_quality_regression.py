"""Pinned retrieval quality on a small fixed subset of the dev splits (expected scores in a file).

The subset: the first 100 judged queries of each split, their relevant records and the first 300 other
corpus records as distractors. Fails when a mode's nDCG@10 drops more than TOLERANCE below the pinned
value; ``served-hybrid`` is the search the web page and the API run (``telusur eval --served``: must-match,
one excerpt per article and wire-copy cluster, relaxation, spelling). Re-pin after a deliberate change with
``python -m tests.test_quality_regression``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from search_app.evaluate import read_qrels, read_queries, run_eval

EXPECTED = Path(__file__).with_name("expected_scores.json")
SPLITS = ("tydiqa-id-goldp", "facqa-news-qa")
MODES = ("bm25", "dense", "hybrid")
SERVED = "served-hybrid"
TOLERANCE = 0.02
N_QUERIES = 100
N_DISTRACTORS = 300


def make_subset(data: Path, split: str, out: Path) -> Path:
    """Write the subset's corpus, queries and qrels into ``out``; returns ``out``."""
    src = data / split
    qrels = read_qrels(src / "qrels.tsv")
    queries = [(q, t) for q, t in read_queries(src / "queries.jsonl") if q in qrels][:N_QUERIES]
    relevant = {doc for q, _ in queries for doc in qrels[q]}
    out.mkdir(parents=True, exist_ok=True)
    kept, distractors = [], 0
    for line in (src / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        doc_id = json.loads(line)["id"]
        if doc_id in relevant or distractors < N_DISTRACTORS:
            kept.append(line)
            distractors += doc_id not in relevant
    (out / "corpus.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    (out / "queries.jsonl").write_text("".join(json.dumps({"id": q, "text": t}) + "\n" for q, t in queries),
                                       encoding="utf-8")
    (out / "qrels.tsv").write_text("".join(f"{q}\t{d}\t{int(r)}\n" for q, _ in queries for d, r in qrels[q].items()),
                                   encoding="utf-8")
    return out


def measure(data: Path, workdir: Path) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for split in SPLITS:
        sub = make_subset(data, split, workdir / split)
        for mode in MODES:
            m = run_eval(corpus=sub / "corpus.jsonl", queries=sub / "queries.jsonl", qrels=sub / "qrels.tsv",
                         index_dir=workdir / f"{split}-index", mode=mode)
            scores.setdefault(split, {})[mode] = round(m["ndcg@10"], 4)
        m = run_eval(corpus=sub / "corpus.jsonl", queries=sub / "queries.jsonl", qrels=sub / "qrels.tsv",
                     index_dir=workdir / f"{split}-index", mode="hybrid", served=True)
        scores[split][SERVED] = round(m["ndcg@10"], 4)
    return scores


@pytest.fixture(scope="module")
def measured(shared_data, tmp_path_factory) -> dict[str, dict[str, float]]:
    return measure(shared_data, tmp_path_factory.mktemp("quality"))


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("mode", [*MODES, SERVED])
def test_ndcg_does_not_drop(measured, split, mode):
    expected = json.loads(EXPECTED.read_text())[split][mode]
    got = measured[split][mode]
    print(f"{split} {mode}: nDCG@10 {got:.4f} (pinned {expected:.4f})")
    assert got >= expected - TOLERANCE, f"{split} {mode}: nDCG@10 {got:.4f} < pinned {expected:.4f} - {TOLERANCE}"


@pytest.mark.parametrize("split", SPLITS)
def test_hybrid_is_not_worse_than_either_signal(measured, split):
    s = measured[split]
    assert s["hybrid"] >= max(s["bm25"], s["dense"]) - 0.005, s


@pytest.mark.parametrize("split", SPLITS)
def test_served_search_keeps_what_the_ranking_finds(measured, split):
    s = measured[split]
    assert s[SERVED] >= s["hybrid"] - TOLERANCE, s


if __name__ == "__main__":
    import tempfile

    from tests.conftest import shared_data_dir

    with tempfile.TemporaryDirectory() as tmp:
        pinned = measure(shared_data_dir(), Path(tmp))
    EXPECTED.write_text(json.dumps(pinned, indent=2) + "\n")
    json.dump(pinned, sys.stdout, indent=2)
