"""Pinned retrieval quality on a small fixed subset of the dev splits (expected scores in a file).

The subset: the first 100 judged queries of each split, their relevant records and the first 300 other
corpus records as distractors. Fails when a mode's nDCG@10 drops more than TOLERANCE below the pinned
value; ``served-hybrid`` is the search the web page and the API run (``telusur eval --served``: must-match,
one excerpt per article and wire-copy cluster, relaxation, spelling). Re-pin after a deliberate change with
``python -m tests.test_quality_regression``. Floors from issue 13, on the same subsets: the served search
keeps Recall@10 within 0.05 with one or two typos per query (no empty page), and answers our English
translations of dev questions (``tests/data/english_queries.jsonl``) with Recall@10 >= 0.70.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from scripts.typo_queries import misspell
from search_app.tools.evaluate import read_qrels, read_queries, run_eval

EXPECTED = Path(__file__).with_name("expected_scores.json")
SPLITS = ("tydiqa-id-goldp", "facqa-news-qa")
MODES = ("bm25", "dense", "hybrid")
SERVED = "served-hybrid"
ENGLISH = Path(__file__).with_name("data") / "english_queries.jsonl"  # our translations of dev questions
TYPO_SEED = 13
NOT_PINNED = ("served-recall@10", "typo-served-recall@10", "typo-empty", "english-served-recall@10")  # floors
TOLERANCE = 0.02
N_QUERIES = 100
N_DISTRACTORS = 300


def make_subset(data: Path, split: str, out: Path, queries_file: Path | None = None) -> Path:
    """Write the subset's corpus, queries and qrels into ``out`` (the queries: the split's first ``N_QUERIES``
    judged ones, or the judged ones of ``queries_file``); returns ``out``."""
    src = data / split
    qrels = read_qrels(src / "qrels.tsv")
    queries = [(q, t) for q, t in read_queries(queries_file or src / "queries.jsonl") if q in qrels][:N_QUERIES]
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
        scores[split]["served-recall@10"] = round(m["recall@10"], 4)
        typos = write_typo_queries(sub / "queries.jsonl", workdir / f"{split}-typos.jsonl")
        m = run_eval(corpus=sub / "corpus.jsonl", queries=typos, qrels=sub / "qrels.tsv",
                     index_dir=workdir / f"{split}-index", mode="hybrid", served=True)
        scores[split].update({"typo-served-recall@10": round(m["recall@10"], 4), "typo-empty": m["empty"]})
        english = make_subset(data, split, workdir / f"{split}-english", queries_file=ENGLISH)
        m = run_eval(corpus=english / "corpus.jsonl", queries=english / "queries.jsonl", qrels=english / "qrels.tsv",
                     index_dir=workdir / f"{split}-english-index", mode="hybrid", served=True)
        scores[split]["english-served-recall@10"] = round(m["recall@10"], 4)
    return scores


def write_typo_queries(queries: Path, out: Path) -> Path:
    """The queries with one or two edits in content words (scripts/typo_queries.py, its fixed seed)."""
    rng = random.Random(TYPO_SEED)
    out.write_text("".join(json.dumps({"id": q, "text": misspell(t, 1 + n % 2, rng)}) + "\n"
                           for n, (q, t) in enumerate(read_queries(queries))), encoding="utf-8")
    return out


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


@pytest.mark.parametrize("split", SPLITS)
def test_misspelled_queries_find_almost_what_the_clean_ones_do(measured, split):
    s = measured[split]
    print(f"{split}: served R@10 clean {s['served-recall@10']:.4f}, with typos {s['typo-served-recall@10']:.4f}")
    assert s["typo-empty"] == 0, s
    assert s["typo-served-recall@10"] >= s["served-recall@10"] - 0.05, s


@pytest.mark.parametrize("split", SPLITS)
def test_english_questions_are_answered(measured, split):
    print(f"{split}: English served R@10 {measured[split]['english-served-recall@10']:.4f}")
    assert measured[split]["english-served-recall@10"] >= 0.70, measured[split]


if __name__ == "__main__":
    import tempfile

    from tests.conftest import shared_data_dir

    with tempfile.TemporaryDirectory() as tmp:
        measured = measure(shared_data_dir(), Path(tmp))
    pinned = {split: {k: v for k, v in s.items() if k not in NOT_PINNED} for split, s in measured.items()}
    EXPECTED.write_text(json.dumps(pinned, indent=2) + "\n")
    json.dump(measured, sys.stdout, indent=2)
