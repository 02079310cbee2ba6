"""Do search results depend on an index's write history? No kill involved: an index that alternates the crash
campaign's corpus versions A and B (``--prune``) is compared, after every ingest, with a fresh uninterrupted
ingest of the same version.

    python scripts/history_agreement.py [--articles 300] [--cycles 6] [--queries 60] [--work DIR] [--json OUT]

For every query and mode (hybrid, dense, bm25) it compares the top-10 passages (ids, order) with the fresh
index's; and, to tell the causes apart, the dense stage alone: the depth-100 candidates the index returns
(``Index.vectors.query``, what search uses) against the exact top-100 by cosine over the vector table, and
against the fresh index's candidates. Exit 0 when every search equals the fresh index's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.crash_campaign import MODES, articles, fresh_chroma, telusur, variants, write_variant  # noqa: E402

DEPTH = 100


def titles(records: list[dict], n: int) -> list[str]:
    """``n`` queries: the first five words of titles spread over the corpus."""
    step = max(1, len(records) // n)
    return [" ".join(records[i]["title"].split()[:5]) for i in range(0, len(records), step)][:n]


def snapshot(index_dir: Path, query_list: list[str], embedder) -> dict:
    """Top-10 of every query and mode, and the dense stage's depth-100 candidates, exact and as served."""
    import numpy as np

    from ingest.store import Index
    from ingest.vectable import VectorTable, table_dir
    from search_app.search import Searcher

    fresh_chroma()
    index = Index(index_dir)
    searcher = Searcher(index, embedder)
    searcher.catalog.current()
    table = VectorTable.load(table_dir(index_dir))
    results, served, exact = {}, {}, {}
    for q in query_list:
        for mode in MODES:
            results[f"{mode}:{q}"] = [r.passage_id for r in searcher.search(q, k=10, mode=mode).results]
        vector = searcher.query_vector(q)
        served[q] = [pid for pid, _ in searcher.dense_candidates(q, DEPTH)[0].items()]
        exact[q] = [pid for pid, _ in table.top(vector, np.arange(len(table)), DEPTH)]
    return {"results": results, "served": served, "exact": exact}


def compare(got: dict, ref: dict) -> dict:
    differing = [key for key in ref["results"] if got["results"][key] != ref["results"][key]]
    recall = [len(set(got["served"][q]) & set(got["exact"][q])) / max(1, len(got["exact"][q])) for q in got["exact"]]
    return {"searches": len(ref["results"]), "differing": differing,
            "dense_candidates_equal_fresh": sum(set(got["served"][q]) == set(ref["served"][q]) for q in ref["served"]),
            "dense_candidates_equal_exact": sum(set(got["served"][q]) == set(got["exact"][q]) for q in got["exact"]),
            "fresh_candidates_equal_exact": sum(set(ref["served"][q]) == set(ref["exact"][q]) for q in ref["exact"]),
            "mean_recall_at_100": round(sum(recall) / len(recall), 4), "queries": len(ref["served"])}


def ingest(corpus: Path, index: Path, env: dict | None = None) -> None:
    done = subprocess.run(telusur("ingest", str(corpus), "--index", str(index), "--prune", "--quiet"),
                          capture_output=True, text=True, cwd=REPO, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"ingest failed: {done.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--cycles", type=int, default=6, help="ingests of the alternating index (A, B, A, ...)")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--generated", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    from ingest.embed import Embedder

    work = args.work or Path(tempfile.mkdtemp(prefix="history-"))
    records = articles(args.articles, generated=args.generated)
    versions, query_list = variants(records), titles(records, args.queries)
    corpus, started = work / "corpus", time.monotonic()
    reference: dict[str, dict] = {}
    embedder = None
    for name, files in versions.items():
        write_variant(corpus, files)
        shutil.rmtree(work / f"ref-{name}", ignore_errors=True)
        ingest(corpus, work / f"ref-{name}")
        if embedder is None:
            from ingest.store import Index
            embedder = Embedder(Index(work / f"ref-{name}").get_meta("model"))
        reference[name] = snapshot(work / f"ref-{name}", query_list, embedder)
    rows = []
    shutil.rmtree(work / "cycled", ignore_errors=True)
    for n in range(args.cycles):
        name = "AB"[n % 2]
        write_variant(corpus, versions[name])
        ingest(corpus, work / "cycled")
        got = snapshot(work / "cycled", query_list, embedder)
        row = {"ingest": n, "variant": name, **compare(got, reference[name])}
        rows.append(row)
        print(f"ingest {n} ({name}): {len(row['differing'])} of {row['searches']} searches differ from the fresh "
              f"index's; dense candidates equal fresh {row['dense_candidates_equal_fresh']}/{row['queries']}, "
              f"equal exact {row['dense_candidates_equal_exact']}/{row['queries']} (fresh index: "
              f"{row['fresh_candidates_equal_exact']}), recall@100 {row['mean_recall_at_100']} "
              f"{row['differing'][:4]}", flush=True)
    summary = {"articles": args.articles, "cycles": args.cycles, "queries": len(query_list),
               "ingests_all_equal": sum(not r["differing"] for r in rows),
               "searches_differing": sum(len(r["differing"]) for r in rows),
               "seconds": round(time.monotonic() - started, 1)}
    print(json.dumps(summary), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "ingests": rows}, indent=1))
    return 0 if summary["ingests_all_equal"] == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
