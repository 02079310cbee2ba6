"""Measure served-search variants: the rule before issue 13, and settings of the strong-dense exception.

``python scripts/served_variants.py --split D/tydiqa-id-goldp [--queries Q.jsonl] [--mode hybrid]
[--old | --strong 10 --need 1] [--limit N]`` prints the metrics of ``telusur eval --served`` (JSON) with
``--old``: the served search as it was (must-match on half the terms for every passage, no relaxation,
no spelling, no language detection: ``Searcher.search`` as ``run_search`` called it), or with the strong-dense
exception set to the ``--strong`` nearest passages needing ``--need`` terms.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import search_app.search as search  # noqa: E402
import search_app.tools.evaluate as evaluate  # noqa: E402


def old_served(searcher, query, *, k, mode, highlight):
    """The served search before issue 13 (search_app/app.py ``run_search`` then), without a page offset."""
    return searcher.search(query, k=k, page=1, mode=mode, facets=True, group_copies=True, per_article=1,
                           require_match=True, highlight=highlight)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", type=Path, required=True, help="folder with corpus.jsonl, queries.jsonl, qrels.tsv")
    parser.add_argument("--queries", type=Path, default=None, help="other queries (default: the split's)")
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--old", action="store_true", help="the served search before issue 13")
    parser.add_argument("--strong", type=int, default=search.STRONG_DENSE)
    parser.add_argument("--need", type=int, default=search.STRONG_NEED)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    search.STRONG_DENSE, search.STRONG_NEED = (0, 1) if args.old else (args.strong, args.need)
    if args.old:
        evaluate.served_search = old_served
    queries = args.queries or args.split / "queries.jsonl"
    metrics = evaluate.run_eval(corpus=args.split / "corpus.jsonl", queries=queries, qrels=args.split / "qrels.tsv",
                                mode=args.mode, limit=args.limit, served=True)
    metrics.update(old=args.old, strong=search.STRONG_DENSE, need=search.STRONG_NEED)
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
