"""Fit the answer box's margin on the calibration part of the dev splits (never on the validation part).

``python -m search_app.tools.fit_answers D/tydiqa-id-goldp D/facqa-news-qa [--part calibration]`` answers every
question of the part end to end with no margin, then prints, for each candidate margin, the answer F1, coverage and
precision on each split, and the margin that gives the best mean F1 while keeping precision >= ``--precision``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from search_app.answer import MIN_SCORE, answer_box
from search_app.reader import Reader
from search_app.served import served_search
from search_app.tools.answer_eval import PRECISE_F1, exact_match, read_answers, token_f1
from search_app.tools.evaluate import eval_searcher, read_qrels

MARGINS = [m / 2 for m in range(-4, 25)]


def scored_answers(split: Path, part: str, reader: Reader, method: str = "reader", depth: int = 3
                   ) -> list[tuple[float, float, float]]:
    """(span score, F1, EM) of the best span for each question of ``part``; margin -inf when nothing was read."""
    searcher = eval_searcher(split / "corpus.jsonl")
    questions = read_answers(split / "queries.jsonl", read_qrels(split / "qrels.tsv"), part)
    out = []
    for text, answers in questions.values():
        response = served_search(searcher, text, k=10, facets=False)
        box = answer_box(text, response.results, reader=reader, method=method, threshold=-math.inf,
                         depth=depth)
        if box is None:
            out.append((-math.inf, 0.0, 0.0))
            continue
        out.append((score_of(box.confidence, method), max(token_f1(box.text, a) for a in answers),
                    max(exact_match(box.text, a) for a in answers)))
    return out


def score_of(confidence: float, method: str) -> float:
    """The span score behind a box's confidence (the rules' confidence is their score)."""
    if method == "rules":
        return confidence
    if confidence >= 1:
        return math.inf
    return MIN_SCORE + 2 * math.log(confidence / (1 - confidence)) if confidence > 0 else -math.inf


def at_margin(scored: list[tuple[float, float, float]], margin: float) -> dict:
    answered = [(f1, em) for m, f1, em in scored if m >= margin]
    n = len(scored)
    return {"f1": sum(f for f, _ in answered) / n, "em": sum(e for _, e in answered) / n,
            "coverage": len(answered) / n,
            "precision": sum(f >= PRECISE_F1 for f, _ in answered) / len(answered) if answered else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search_app.tools.fit_answers", description=__doc__.split("\n")[0])
    parser.add_argument("splits", nargs="+", type=Path)
    parser.add_argument("--part", default="calibration")
    parser.add_argument("--precision", type=float, default=0.85)
    parser.add_argument("--json", type=Path, default=None, help="write the scored answers here")
    parser.add_argument("--method", default="reader", choices=("reader", "rules"))
    parser.add_argument("--depth", type=int, default=2, help="results read (default 2)")
    args = parser.parse_args(argv)
    reader = Reader()
    scored = {split.name: scored_answers(split, args.part, reader, args.method, args.depth) for split in args.splits}
    if args.json:
        args.json.write_text(json.dumps({k: [list(t) for t in v] for k, v in scored.items()}))
    best = None
    for margin in MARGINS:
        rows = {name: at_margin(values, margin) for name, values in scored.items()}
        line = "  ".join(f"{name[:6]} F1 {r['f1']:.3f} cov {r['coverage']:.3f} prec {r['precision']:.3f}"
                         for name, r in rows.items())
        print(f"margin {margin:5.1f}  {line}")
        if all(r["precision"] >= args.precision for r in rows.values()):
            mean_f1 = sum(r["f1"] for r in rows.values()) / len(rows)
            if best is None or mean_f1 > best[1]:
                best = (margin, mean_f1)
    print(f"best margin with precision >= {args.precision}: {best}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
