"""``telusur check [--repair] [--json]``: run the index check (``ingest.check``) and the repair, and print them."""

from __future__ import annotations

import json
import sys

from ingest.check import CheckReport, check
from ingest.store import Index


def run_check(index: Index, *, quick: bool, repair: bool, embed_cache: str | None, as_json: bool) -> int:
    """Check (and with ``repair``, repair) ``index``; 0 when it ends consistent, else 1."""
    report = check(index, quick=quick)
    if not repair:
        if as_json:
            print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            _print_check(report)
        return 0 if report.ok else 1
    fixed = _repair(index, embed_cache)
    if as_json:
        print(json.dumps({"before": report.to_json(), "repair": fixed.to_json()}, ensure_ascii=False, indent=2))
    else:
        _print_check(report)
        for action in fixed.actions:
            print(f"repaired: {action}")
        print(f"repair: {fixed.embedded} passage(s) embedded, {fixed.from_cache} found in the embedding cache")
        for problem in fixed.after.problems:
            print(f"not repaired: {problem.line()}")
        print("index consistent after repair" if fixed.after.ok else
              "the repair left problems: restore a backup (telusur backup) or ingest the source files again")
    return 0 if fixed.after.ok else 1


def _print_check(report: CheckReport) -> None:
    for note in report.notes:
        print(f"note: {note}")
    for problem in report.problems:
        print(problem.line())
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
    verdict = "ok" if report.ok else f"{len(report.problems)} problem(s)"
    print(f"check{' (quick)' if report.quick else ''}: {verdict} ({counts}) in {report.seconds:.2f} s",
          file=sys.stderr if report.ok else sys.stdout)


def _repair(index: Index, embed_cache: str | None):
    from ingest.embcache import EmbeddingCache, cache_path
    from ingest.embed import Embedder
    from ingest.repair import repair
    from ingest.settings import int_setting, setting

    embedders: list[Embedder] = []

    def encoder():
        embedders.append(Embedder(setting("model", index.get_meta("model")), precision=setting("precision"),
                                  threads=int_setting("threads")))
        return embedders[0].encode_passages

    cache = EmbeddingCache(cache_path(index.directory, embed_cache))
    try:
        return repair(index, cache, encoder)
    finally:
        cache.close()
        for embedder in embedders:
            embedder.close()
