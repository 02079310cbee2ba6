"""Fit the hybrid weights on dev splits: collect every candidate's signals once, then search weights.

``python -m search_app.tools.tune DATA/tydiqa-id-goldp DATA/facqa-news-qa [--limit N]`` indexes each split with the
product's ingest (reusing ``telusur eval``'s index), scores candidates with the product's own signals
(``Searcher.signals``), and prints nDCG@10 per split for dense, BM25, RRF, min-max and z-score fusions and a
coordinate ascent over ``HybridWeights`` that maximises the mean over the splits.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import astuple
from pathlib import Path

import numpy as np

from search_app import fuse
from search_app.search import DENSE_DEPTH, LEXICAL_DEPTH, Signals
from search_app.tools.evaluate import eval_searcher, read_qrels, read_queries
from search_app.tools.metrics import ndcg_at

Collected = list[tuple[Signals, list[str], dict[str, float]]]  # signals, article of each candidate, qrels


def collect(split: Path, limit: int | None = None, corpora: list[Path] | None = None) -> Collected:
    """Signals of every candidate for every judged query of a split (corpus.jsonl, queries.jsonl, qrels.tsv),
    over an index of the split's corpus or of ``corpora`` ingested together (a mixed index)."""
    searcher = eval_searcher(corpora or [split / "corpus.jsonl"])
    index, embedder = searcher.index, searcher.embedder
    qrels = read_qrels(split / "qrels.tsv")
    queries = [(q, t) for q, t in read_queries(split / "queries.jsonl") if q in qrels][:limit]
    vectors = np.concatenate([embedder.encode_queries([t for _, t in queries[i:i + 64]])
                              for i in range(0, len(queries), 64)])
    article_of = dict(index.db.execute("SELECT passage_id, article_id FROM passages"))
    out: Collected = []
    searcher.local_vectors().current()  # the served dense candidates (exact on small indexes)
    for (qid, text), vector in zip(queries, vectors):
        dense = dict(index.vectors.nearest(vector, DENSE_DEPTH))
        signals = searcher.signals(text, dense, searcher.lexical_candidates(text, LEXICAL_DEPTH), vector)
        out.append((signals, [article_of[i] for i in signals.ids], qrels[qid]))
    return out


def ndcg(collected: Collected, score) -> float:
    """Mean nDCG@10 of article rankings (best passage per article) under ``score(signals) -> array``."""
    total = 0.0
    for signals, articles, rel in collected:
        order = np.argsort(-score(signals), kind="stable")
        ranked = list(dict.fromkeys(articles[i] for i in order))
        total += ndcg_at(ranked, rel, 10)
    return total / max(len(collected), 1)


def report(splits: dict[str, Collected]) -> None:
    rows = {"dense": lambda s: s.dense, "bm25": lambda s: s.lexical,
            "rrf k=60": lambda s: fuse.rrf(fuse.ranks_of(s.dense), fuse.ranks_of(s.lexical)),
            "min-max 0.6/0.4": lambda s: fuse.convex(s.dense, s.lexical, dense_weight=0.6),
            "z 0.75/0.25": lambda s: fuse.hybrid(s.dense, s.lexical, s.sentence, fuse.HybridWeights(0.75, 0.25, 0)),
            "product hybrid": lambda s: fuse.hybrid(s.dense, s.lexical, s.sentence)}
    for name, score in rows.items():
        print(f"{name:18s}", "  ".join(f"{split}={ndcg(c, score):.4f}" for split, c in splits.items()))


def ascent(splits: dict[str, Collected], start: fuse.HybridWeights | None = None) -> fuse.HybridWeights:
    """Coordinate ascent on the mean nDCG@10 over splits, in steps of 0.05."""
    def mean(w: tuple[float, ...]) -> float:
        weights = fuse.HybridWeights(*w)
        return float(np.mean([ndcg(c, lambda s: fuse.hybrid(s.dense, s.lexical, s.sentence, weights))
                              for c in splits.values()]))

    best = astuple(start or fuse.HybridWeights())
    best_score = mean(best)
    for _, j, step in itertools.product(range(2), range(len(best)), (-0.1, -0.05, 0.05, 0.1)):
        trial = tuple(max(0.0, round(v + step, 2)) if i == j else v for i, v in enumerate(best))
        if (score := mean(trial)) > best_score + 1e-4:
            best, best_score = trial, score
    print(f"ascent: {fuse.HybridWeights(*best)} mean nDCG@10 {best_score:.4f}")
    return fuse.HybridWeights(*best)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("splits", nargs="+", type=Path, help="folders with corpus.jsonl, queries.jsonl, qrels.tsv")
    parser.add_argument("--limit", type=int, default=None, help="first N judged queries per split")
    parser.add_argument("--ascent", action="store_true", help="also search the weights")
    parser.add_argument("--corpus", type=Path, action="append", default=None,
                        help="index these corpora together (repeat) instead of each split's own corpus")
    args = parser.parse_args(argv)
    splits = {p.name: collect(p, args.limit, args.corpus) for p in args.splits}
    report(splits)
    if args.ascent:
        ascent(splits)


if __name__ == "__main__":
    main()
