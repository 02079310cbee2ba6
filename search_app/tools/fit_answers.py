"""Fit how the answer box turns the reader's spans into a box, on the calibration part of the dev splits (never on
the validation part).

``python -m search_app.tools.fit_answers D/tydiqa-id-goldp D/facqa-news-qa [--part calibration] [--depth 3]``
reads the first ``--depth`` results of every question of the part end to end (the served search, then the reader on
each result: ``search_app.answer.read_candidates``), then, offline over those candidates, scores a grid of span-score
weights (support weight, rank penalty), depths and thresholds. It prints the threshold sweep of the shipped weights
and, per weighting, the threshold that gives the best mean F1 with coverage >= ``--coverage`` on every split, and the
best mean F1 whose precision reaches ``--precision`` on every split. ``--judged`` measures the reader alone: its span
in each question's judged passage, no search.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from search_app.answer import DEPTH, RANK_PENALTY, SUPPORT_WEIGHT, SURE_SCORE, read_candidates, span_score
from search_app.answer_types import expected_type
from search_app.reader import READER_DIR, Reader
from search_app.served import served_search
from search_app.tools.answer_eval import PRECISE_F1, exact_match, read_answers, token_f1
from search_app.tools.evaluate import eval_searcher, read_qrels
from search_app.tools.reader_data import load_split, part_of

THRESHOLDS = [t / 2 for t in range(-4, 29)]
SUPPORT_WEIGHTS = (0.0, 2.0, 4.0, 6.0, 8.0)
RANK_PENALTIES = (0.0, 0.5, 1.0, 2.0, 3.0)


@dataclass(frozen=True)
class Read:
    """One result's best span as the fit needs it: rank, reader margin, support, its F1 / EM against gold, and
    whether the result is judged relevant (for the reordering measure)."""

    rank: int
    margin: float
    support: float
    f1: float
    em: float
    relevant: bool = False


def read_split(split: Path, part: str, reader: Reader, depth: int) -> list[list[Read]]:
    """For each question of ``part`` (judged, with answers): the reader's span in each of its first ``depth``
    results (all read; no early stop). A question the box never answers (not a question) has no reads."""
    searcher = eval_searcher(split / "corpus.jsonl")
    qrels = read_qrels(split / "qrels.tsv")
    questions = read_answers(split / "queries.jsonl", qrels, part)
    out = []
    for qid, (text, answers) in questions.items():
        judged = {doc for doc, rel in qrels[qid].items() if rel > 0}
        if expected_type(text) is None:
            out.append([])
            continue
        results = served_search(searcher, text, k=10, facets=False).results[:depth]
        reads = []
        for c in read_candidates(text, results, reader, sure=math.inf):
            span = c.result.passage[c.start:c.end]
            reads.append(Read(c.rank, c.margin, c.support, max(token_f1(span, a) for a in answers),
                              max(exact_match(span, a) for a in answers), c.result.article_id in judged))
        out.append(reads)
    return out


def judged_passage_scores(split: Path, part: str, reader: Reader) -> dict[str, float]:
    """The reader alone: mean F1 / EM of its best span in each question's judged passage (whole, no retrieval)."""
    corpus, questions = load_split(split)
    f1s, ems = [], []
    for question in (q for q in questions if part_of(split.name, q.passage_id) == part):
        spans = reader.read(question.text, [corpus[question.passage_id]])
        text = spans[0].text if spans else ""
        f1s.append(max(token_f1(text, a) for a in question.answers))
        ems.append(max(exact_match(text, a) for a in question.answers))
    return {"questions": len(f1s), "f1": round(sum(f1s) / len(f1s), 4), "em": round(sum(ems) / len(ems), 4)}


def chosen(reads: list[Read], *, support_weight: float, rank_penalty: float, depth: int,
           sure: float = math.inf) -> tuple[float, float, float]:
    """(span score, F1, EM) of the span the box would pick with these weights (reading stops at ``sure``, as
    ``read_candidates`` does); score -inf when nothing was read."""
    best = (-math.inf, 0.0, 0.0)
    for read in sorted(reads, key=lambda r: r.rank):
        if read.rank >= depth:
            break
        score = span_score(read.margin, read.support, read.rank, support_weight, rank_penalty)
        if score > best[0]:
            best = (score, read.f1, read.em)
        if score >= sure:
            break
    return best


def at_threshold(picked: list[tuple[float, float, float]], threshold: float) -> dict:
    """Answer F1, EM, coverage and precision when the box shows spans scoring at least ``threshold``."""
    answered = [(f1, em) for score, f1, em in picked if score >= threshold]
    n = len(picked)
    return {"f1": sum(f for f, _ in answered) / n, "em": sum(e for _, e in answered) / n,
            "coverage": len(answered) / n,
            "precision": sum(f >= PRECISE_F1 for f, _ in answered) / len(answered) if answered else 0.0}


def sweep(reads: dict[str, list[list[Read]]], **weights) -> list[tuple[float, dict[str, dict]]]:
    """Per threshold, the metrics of every split with these weights."""
    picked = {name: [chosen(r, sure=SURE_SCORE, **weights) for r in values] for name, values in reads.items()}
    return [(t, {name: at_threshold(p, t) for name, p in picked.items()}) for t in THRESHOLDS]


def reordered_p1(reads: dict[str, list[list[Read]]], *, rank_penalty: float, depth: int) -> dict[str, tuple]:
    """Per split: (P@1 of the search, P@1 when its first ``depth`` results are reordered by the reader's margin
    minus ``rank_penalty`` per rank) over the questions the reader read."""
    out = {}
    for name, values in reads.items():
        read = [sorted(r, key=lambda x: x.rank)[:depth] for r in values if r]
        first = sum(r[0].relevant and r[0].rank == 0 for r in read)
        moved = sum(max(r, key=lambda x: x.margin - rank_penalty * x.rank).relevant for r in read)
        out[name] = (round(first / len(read), 4), round(moved / len(read), 4)) if read else (0.0, 0.0)
    return out


def absent_scores(reads: list[list[Read]], *, support_weight: float, rank_penalty: float, depth: int) -> list[float]:
    """Per question, the box's best span score once its judged passages (and any span matching a gold answer) are
    taken out of the results, the rest moving up: what the box would show if the corpus lacked the answer."""
    out = []
    for question in reads:
        others = [r for r in sorted(question, key=lambda r: r.rank) if not r.relevant and r.f1 < PRECISE_F1]
        scores = [span_score(r.margin, r.support, rank, support_weight, rank_penalty)
                  for rank, r in enumerate(others[:depth])]
        out.append(max(scores, default=-math.inf))
    return out


def best_of(rows: list[tuple[float, dict[str, dict]]], *, coverage: float = 0.0, precision: float = 0.0):
    """The (threshold, mean F1) with the best mean F1 whose every split has ``coverage`` and ``precision``."""
    ok = [(t, sum(r["f1"] for r in m.values()) / len(m)) for t, m in rows
          if all(r["coverage"] >= coverage and r["precision"] >= precision for r in m.values())]
    return max(ok, key=lambda x: x[1], default=None)


def line(threshold: float, metrics: dict[str, dict]) -> str:
    cells = "  ".join(f"{name[:6]} F1 {r['f1']:.3f} cov {r['coverage']:.3f} prec {r['precision']:.3f}"
                      for name, r in metrics.items())
    return f"threshold {threshold:5.1f}  {cells}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search_app.tools.fit_answers", description=__doc__.split("\n")[0])
    parser.add_argument("splits", nargs="+", type=Path)
    parser.add_argument("--part", default="calibration")
    parser.add_argument("--depth", type=int, default=3, help="results read per question (default 3)")
    parser.add_argument("--precision", type=float, default=0.85)
    parser.add_argument("--coverage", type=float, default=0.5)
    parser.add_argument("--json", type=Path, default=None, help="write the reads here")
    parser.add_argument("--reads", type=Path, default=None, help="fit on reads written by --json (no reading)")
    parser.add_argument("--judged", action="store_true",
                        help="only the reader on each judged passage (F1, EM), no search, no fit")
    parser.add_argument("--reader", type=Path, default=READER_DIR, help="the reader's weights (default: shipped)")
    args = parser.parse_args(argv)
    if args.judged:
        reader = Reader(args.reader)
        for split in args.splits:
            print(split.name, json.dumps(judged_passage_scores(split, args.part, reader)))
        return 0
    if args.reads:
        reads = {k: [[Read(*r) for r in q] for q in v] for k, v in json.loads(args.reads.read_text()).items()}
    else:
        reader = Reader(args.reader)
        reads = {split.name: read_split(split, args.part, reader, args.depth) for split in args.splits}
    if args.json:
        args.json.write_text(json.dumps({k: [[list(r.__dict__.values()) for r in q] for q in v]
                                         for k, v in reads.items()}))
    shipped = {"support_weight": SUPPORT_WEIGHT, "rank_penalty": RANK_PENALTY, "depth": DEPTH}
    absent = {name: absent_scores(values, **shipped) for name, values in reads.items()}
    print(f"shipped weights (support {SUPPORT_WEIGHT}, rank {RANK_PENALTY}, depth {DEPTH}); 'absent': share of "
          "questions answered anyway when their judged passages are taken out")
    for threshold, metrics in sweep(reads, **shipped):
        wrong = "  ".join(f"{name[:6]} absent {sum(s >= threshold for s in a) / len(a):.3f}"
                          for name, a in absent.items())
        print(line(threshold, metrics) + "  " + wrong)
    for r, d in itertools.product(RANK_PENALTIES, range(2, args.depth + 1)):
        p1 = reordered_p1(reads, rank_penalty=r, depth=d)
        print(f"reordered by the reader (rank {r}, depth {d}): P@1 search / reordered {p1}")
    print(f"grid: best mean F1 at coverage >= {args.coverage} | at precision >= {args.precision}")
    for w, r, d in itertools.product(SUPPORT_WEIGHTS, RANK_PENALTIES, range(1, args.depth + 1)):
        rows = sweep(reads, support_weight=w, rank_penalty=r, depth=d)
        print(f"support {w} rank {r} depth {d}: {best_of(rows, coverage=args.coverage)} | "
              f"{best_of(rows, precision=args.precision)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
