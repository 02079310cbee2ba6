"""Cosine of every encoder engine's vectors to torch fp32's, on real dev passages and queries (not a test).

    python scripts/engine_agreement.py [--data ../shared/data] [--passages 1000] [--queries 1000]
                                       [--passage-splits S1,S2] [--engines E1,E2] [--json OUT]

Passages and queries are taken alternately from the tydiqa-id-goldp and facqa-news-qa dev splits (read here,
at run time; nothing is copied); ``--passage-splits facqa-news-qa`` takes passages from FacQA only (shorter,
so cheaper to encode on a loaded machine). For each engine (torch at the product's precision, onnxruntime,
onnxruntime-int8, openvino, openvino-int8): min and mean cosine to torch fp32 for passages and for queries, and the
mean overlap of each query's 10 nearest passages (among those passages) with torch fp32's, with the engine's own
queries and with torch fp32's queries (as when only passages are encoded by the engine). The quality gate's
nDCG@10 runs are ``telusur eval`` commands (docs/bench.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from itertools import zip_longest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ingest.embed import Embedder  # noqa: E402
from ingest.engines import ENGINES, missing_package  # noqa: E402

SPLITS = ("tydiqa-id-goldp", "facqa-news-qa")


def _alternate(lists: list[list[str]], n: int) -> list[str]:
    return [x for group in zip_longest(*lists) for x in group if x is not None][:n]


def _texts(data: Path, file: str, n: int, splits: Sequence[str] = SPLITS, field: str = "text") -> list[str]:
    lists = []
    for split in splits:
        with (data / split / file).open(encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines]
        lists.append([(f"{r['title']}\n{r[field]}" if r.get("title") else r[field]) for r in rows])
    return _alternate(lists, n)


def agreement(rows: np.ndarray, reference: np.ndarray) -> dict:
    cosines = np.sum(rows * reference, axis=1)
    return {"min": round(float(cosines.min()), 5), "mean": round(float(cosines.mean()), 5)}


def top10_overlap(queries: np.ndarray, passages: np.ndarray, ref_q: np.ndarray, ref_p: np.ndarray) -> float:
    mine = np.argsort(-(queries @ passages.T), axis=1)[:, :10]
    theirs = np.argsort(-(ref_q @ ref_p.T), axis=1)[:, :10]
    return round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(mine, theirs)])), 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("TELUSUR_DATA", "../shared/data")))
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--passage-splits", default=",".join(SPLITS))
    parser.add_argument("--engines", default=",".join(ENGINES), help="engines compared to torch fp32")
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args()
    passages = _texts(args.data, "corpus.jsonl", args.passages, args.passage_splits.split(","))
    queries = _texts(args.data, "queries.jsonl", args.queries)
    threads = int(os.environ.get("TELUSUR_THREADS") or len(os.sched_getaffinity(0)))
    fp32 = Embedder(precision="fp32", threads=threads)
    ref_p, ref_q = fp32.encode_passages(passages), fp32.encode_queries(queries)
    results = {"passages": len(passages), "queries": len(queries), "passage_splits": args.passage_splits,
               "engines": {}}
    print(f"reference: torch fp32 on {len(passages)} passages, {len(queries)} queries", flush=True)
    for name in args.engines.split(","):
        if missing_package(name):
            continue
        embedder = Embedder(engine=name, threads=threads)
        rows_p, rows_q = embedder.encode_passages(passages), embedder.encode_queries(queries)
        label = f"{name} ({embedder.precision})" if name == "torch" else name
        results["engines"][label] = {"passages": agreement(rows_p, ref_p), "queries": agreement(rows_q, ref_q),
                                     "top10_overlap": top10_overlap(rows_q, rows_p, ref_q, ref_p),
                                     # its passages searched with torch fp32's queries (the default query engine)
                                     "top10_overlap_fp32_queries": top10_overlap(ref_q, rows_p, ref_q, ref_p)}
        print(label, json.dumps(results["engines"][label]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
