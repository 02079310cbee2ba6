"""The ``telusur`` command: ingest, search, serve, check, backup, eval, bench."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ingest.settings import int_setting, setting

EXIT_SKIPPED = 1
# ingest.engines.ENGINES, without importing it
ENGINE_CHOICES = ("torch", "onnxruntime", "onnxruntime-int8", "openvino", "openvino-int8")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="telusur", description="Search Indonesian news and innovation documents.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="Read articles and documents (HTML, text, JSONL, CSV, PDF, DOCX, ODT, XLSX, "
                                      "PPTX, images) into the index.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched recursively)")
    _index_args(p)
    p.add_argument("--prune", action="store_true", help="remove articles whose source file is gone")
    p.add_argument("--model", help=f"embedding model (default {setting('model')!r}; env TELUSUR_MODEL)")
    p.add_argument("--engine", choices=ENGINE_CHOICES, default=None,
                   help="encoder engine for passages (env TELUSUR_ENGINE; default torch)")
    p.add_argument("--embed-cache", metavar="FILE", default=None,
                   help="embedding cache file to share across indexes (env TELUSUR_EMBED_CACHE; "
                        "default INDEX/embeddings.sqlite)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--source", metavar="NAME", default=None,
                   help="outlet for files that name none (env TELUSUR_SOURCE; documents: else the parent folder)")
    p.add_argument("--ocr", choices=("auto", "off", "force"), default=None,
                   help="OCR of scanned pages and images (env TELUSUR_OCR; default auto: pages without text)")

    p = sub.add_parser("search", help="Print ranked excerpts answering QUERY.")
    p.add_argument("query", metavar="QUERY")
    _index_args(p)
    p.add_argument("-k", type=int, default=10, help="number of excerpts (default 10)")
    p.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default=None, help="ranking (default hybrid)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")
    _query_engine_arg(p)

    p = sub.add_parser("serve", help="Serve the search page and JSON API on a production WSGI server.")
    _index_args(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--threads", type=int, default=4, help="server threads per worker (default 4)")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes (default 1: waitress; more: gunicorn, sharing CHROMA_HOST)")
    _query_engine_arg(p)

    p = sub.add_parser("check", help="Verify that the index's stores agree (ledger, Chroma, BM25, vector table).")
    _index_args(p)
    p.add_argument("--repair", action="store_true",
                   help="rebuild what can be rebuilt from the ledger and the embedding cache")
    p.add_argument("--quick", action="store_true",
                   help="compare a sample of 200 vectors with Chroma instead of all (what serve runs)")
    p.add_argument("--embed-cache", metavar="FILE", default=None,
                   help="embedding cache that --repair reads (env TELUSUR_EMBED_CACHE; "
                        "default INDEX/embeddings.sqlite)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")

    p = sub.add_parser("backup", help="Copy a live index (while it serves and ingests) to DEST, consistently.")
    p.add_argument("dest", metavar="DEST", help="a new or empty folder")
    _index_args(p)

    p = sub.add_parser("eval", help="Score retrieval on a corpus with relevance judgments.")
    p.add_argument("--corpus", required=True, action="append",
                   help="JSONL corpus {id, title?, text, ...}; repeat to index several together (a mixed index)")
    p.add_argument("--queries", required=True, help="JSONL queries {id, text}")
    p.add_argument("--qrels", required=True, help="TSV query-id<TAB>doc-id<TAB>relevance")
    _index_args(p)
    p.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default="hybrid")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N judged queries")
    p.add_argument("--served", action="store_true",
                   help="rank as the web page and /api/search do (must-match, one per article and wire-copy "
                        "cluster, relaxation, spelling); also count empty pages")
    p.add_argument("--answers", nargs="?", const="reader", choices=("reader", "rules"), default=None,
                   help="also score the answer box against each query's answers (reader, the default, or rules)")
    p.add_argument("--part", choices=("train", "calibration", "validation"), default=None,
                   help="only the queries of one part of the split (the reader's split by passage)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")

    p = sub.add_parser("bench", help="Measure embedding, ingest and query speed at a realistic index size.")
    from search_app.tools.bench import add_arguments

    add_arguments(p)

    return parser


def _query_engine_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=ENGINE_CHOICES, default=None,
                   help="encoder engine for queries (env TELUSUR_QUERY_ENGINE; default onnxruntime-int8)")


def _use_query_engine(args: argparse.Namespace) -> None:
    """``--engine`` of search/serve: the query engine of this process and of the server's workers."""
    if args.engine:
        os.environ["TELUSUR_QUERY_ENGINE"] = args.engine


def _index_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR", default=None,
                   help="index directory (default $TELUSUR_INDEX or index/)")


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.embed import embedder_from_settings
    from ingest.engines import index_engine
    from ingest.formats.base import read_options
    from ingest.pipeline import ingest_paths
    from ingest.store import Index

    try:
        options = read_options(source=args.source, ocr=args.ocr)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    index = Index(args.index)
    model = setting("model", args.model or index.get_meta("model"))
    processes = int_setting("encode_processes") or os.cpu_count() or 1
    try:
        embedder = embedder_from_settings(model, processes=processes, engine=args.engine or index_engine(index))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        report = ingest_paths(args.paths, index, embedder, prune=args.prune, show_progress=not args.quiet,
                              embed_cache=args.embed_cache, options=options)
    except KeyboardInterrupt:
        print("interrupted: everything committed so far is kept; run the same command again to finish",
              file=sys.stderr)
        return 130
    except Exception as err:
        from ingest.diskfull import disk_full_line, is_disk_full

        if not is_disk_full(err):
            raise
        print(disk_full_line(index.directory, err), file=sys.stderr)
        return 1
    finally:
        embedder.close()
    seconds = time.perf_counter() - started
    print(f"{report.summary()} in {seconds:.1f} s", file=sys.stderr)
    if report.skipped:
        print(f"{len(report.skipped)} input(s) skipped (listed above); exit status {EXIT_SKIPPED}", file=sys.stderr)
        return EXIT_SKIPPED
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from search_app.answer import METHODS, answer_box
    from search_app.reader import Reader
    from search_app.search import open_searcher
    from search_app.served import notices, served_search

    _use_query_engine(args)
    searcher = open_searcher(args.index)
    response = served_search(searcher, args.query, k=args.k, mode=args.mode or setting("mode"), facets=False)
    method = setting("answers")
    box = answer_box(response.searched or response.query, response.results, reader=Reader(), method=method
                     ) if method in METHODS else None
    if args.json:
        body = response.to_json() | {"answer_box": box.to_json() if box else None}
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    for line in notices(response):
        print(line)
    if box:
        print(f"Jawaban: {box.text}  (sumber: {box.title} — {box.source or 'sumber tidak diketahui'})\n")
    if not response.results:
        print("Tidak ada hasil.")
    for r in response.results:
        meta = " · ".join(x for x in (r.source, (r.date or "")[:10], r.category) if x)
        print(f"{r.rank:>2}. [{r.score:.3f}] {r.title}\n    {meta}\n    {r.url}")
        print(f"    {r.passage}\n")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ingest.check import check
    from ingest.store import Index
    from search_app.ratelimit import BadLimit, RateLimiter
    from search_app.serving import serve

    try:
        RateLimiter.parse(setting("rate_limit"))
    except BadLimit as err:
        print(f"telusur serve: {err} (TELUSUR_RATE_LIMIT)", file=sys.stderr)
        return 2
    report = check(Index(args.index), startup=True)
    if not report.ok:
        for problem in report.problems:
            print(f"error: {problem.line()}", file=sys.stderr)
        print(f"error: the index {report.index} is inconsistent; not serving it. Repair it with: "
              f"telusur check --index {report.index} --repair", file=sys.stderr)
        return 1
    _use_query_engine(args)
    serve(args.index, host=args.host, port=args.port, threads=args.threads, workers=args.workers)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ingest.store import Index
    from search_app.checking import run_check

    return run_check(Index(args.index), quick=args.quick, repair=args.repair, embed_cache=args.embed_cache,
                     as_json=args.json)


def cmd_backup(args: argparse.Namespace) -> int:
    from ingest.backup import backup
    from ingest.store import Index

    try:
        report = backup(Index(args.index), args.dest)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(report.line(), file=sys.stderr)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from search_app.tools.bench import run_and_report

    return run_and_report(args)


def cmd_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from search_app.tools.evaluate import format_metrics, run_eval

    metrics = run_eval(corpus=[Path(c) for c in args.corpus], queries=Path(args.queries), qrels=Path(args.qrels),
                       index_dir=Path(args.index) if args.index else None, mode=args.mode, limit=args.limit,
                       served=args.served, part=args.part, answers=args.answers)
    print(json.dumps(metrics) if args.json else format_metrics(metrics))
    return 0


COMMANDS = {"ingest": cmd_ingest, "search": cmd_search, "serve": cmd_serve, "check": cmd_check, "backup": cmd_backup,
            "eval": cmd_eval, "bench": cmd_bench}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
