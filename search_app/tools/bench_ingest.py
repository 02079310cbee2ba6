"""Bench stage ``ingest``: ``telusur ingest`` (a real process) on real indosum articles with an empty embedding
cache, its passages/s and peak RSS; then the same command again (re-ingest of the unchanged corpus)."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from search_app.tools.benchutil import indosum_articles, telusur_cmd


def run_ingest(source: Path, index_dir: Path, cache: Path, work: Path, engine: str | None = None) -> dict:
    """One ``telusur ingest`` process (with ``engine``, else the setting's): wall seconds, its own peak RSS and
    its summary line."""
    env = {**os.environ, "TELUSUR_EMBED_CACHE": str(cache), **({"TELUSUR_ENGINE": engine} if engine else {})}
    err_path = work / "ingest.err"
    with err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(telusur_cmd("ingest", str(source), "--index", str(index_dir), "--quiet"), env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = err_path.read_text(encoding="utf-8", errors="replace")
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"telusur ingest failed ({proc.returncode}): {text[-2000:]}")
    summary = next((line for line in reversed(text.splitlines()) if line.startswith("articles:")), "")
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "summary": summary}


def bench_ingest(data: Path, work: Path, *, articles: int | None, runs: int, repeat: int,
                 log: Callable[[str], None], engines: Sequence[str] = ()) -> dict:
    """First ingest of real articles with an empty embedding cache (``runs`` times; each run followed by one
    with every engine of ``engines``, so engines alternate), then re-ingests."""
    from ingest.store import Index

    chosen = indosum_articles(data, articles)
    source = work / f"indosum-{len(chosen)}.jsonl"
    with (data / "indosum-news" / "corpus.jsonl").open(encoding="utf-8") as lines:
        source.write_text("".join(line for _, line in zip(range(len(chosen)), lines)), encoding="utf-8")
    first, peaks, cpus, passages = [], [], [], 0
    compared: dict[str, list[dict]] = {engine: [] for engine in engines}
    for r in range(runs):
        index_dir, cache = work / f"ingest-{r}", work / f"embeddings-{r}.sqlite"
        done = run_ingest(source, index_dir, cache, work)
        passages = Index(index_dir).passage_count()
        first.append(done["seconds"])
        peaks.append(done["peak_rss_mb"])
        cpus.append(done["cpu_seconds"])
        log(f"  ingest run {r + 1}: {passages} passages in {done['seconds']:.1f} s "
            f"({passages / done['seconds']:.1f}/s), peak RSS {done['peak_rss_mb']} MB")
        for engine in engines:
            compared[engine].append(run_ingest(source, work / f"ingest-{engine}-{r}",
                                               work / f"embeddings-{engine}-{r}.sqlite", work, engine))
            log(f"  ingest run {r + 1}, engine {engine}: {compared[engine][-1]['seconds']:.1f} s")
    again = []
    for r in range(repeat):
        again.append(run_ingest(source, index_dir, cache, work)["seconds"])
        log(f"  re-ingest run {r + 1}: {again[-1]:.2f} s")
    words = sum(len(s.split()) for _, s in Index(index_dir).db.execute("SELECT 1, text FROM passages"))
    first_s = statistics.median(first)
    return {"articles": len(chosen), "passages": passages, "mean_words": round(words / max(passages, 1), 1),
            "seconds": round(first_s, 2), "passages_per_s": round(passages / first_s, 1),
            "runs_seconds": first, "peak_rss_mb": max(peaks),
            "cpu_ms_per_passage": round(statistics.median(cpus) / max(passages, 1) * 1000, 1),
            "reingest_seconds": round(statistics.median(again), 2),
            "reingest_runs_seconds": again, "reingest_speedup": round(first_s / statistics.median(again), 1),
            "embedding_cache": "empty per run (TELUSUR_EMBED_CACHE pointed at a new file)",
            "engines": {engine: _engine_summary(done, passages) for engine, done in compared.items()}}


def _engine_summary(runs: list[dict], passages: int) -> dict:
    seconds = statistics.median(x["seconds"] for x in runs)
    return {"seconds": round(seconds, 2), "passages_per_s": round(passages / seconds, 1),
            "runs_seconds": [x["seconds"] for x in runs], "peak_rss_mb": max(x["peak_rss_mb"] for x in runs),
            "cpu_ms_per_passage": round(statistics.median(x["cpu_seconds"] for x in runs) / max(passages, 1) * 1000, 1)}


def ingest_lines(i: dict | None) -> list[str]:
    if not i:
        return []
    return [f"ingest   {i['articles']} indosum articles -> {i['passages']} passages ({i['mean_words']} words) in "
            f"{i['seconds']} s = {i['passages_per_s']} passages/s ({i['cpu_ms_per_passage']} ms CPU per passage), "
            f"empty embedding cache; peak RSS "
            f"{i['peak_rss_mb']} MB (runs {i['runs_seconds']} s)",
            f"         re-ingest unchanged: {i['reingest_seconds']} s (runs {i['reingest_runs_seconds']}) = "
            f"{i['reingest_speedup']}x faster"] + [
        f"         engine {name}: {x['passages_per_s']} passages/s ({x['seconds']} s, runs {x['runs_seconds']}; "
        f"{x['cpu_ms_per_passage']} ms CPU per passage, peak RSS {x['peak_rss_mb']} MB)"
        for name, x in i.get("engines", {}).items()]
