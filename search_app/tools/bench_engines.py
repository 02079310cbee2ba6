"""Bench stage ``engines``: every available encoder engine (ingest/engines) side by side on the same real
passages, rounds alternating (medians): passages/s with all cores in one process (batches as ingest makes
them), CPU time per passage, single-query encode p50/p95 on one thread (as ``serve`` runs it), the memory of a
process that loaded the engine and encoded a batch, and the cosine of its vectors to torch fp32's."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from search_app.tools.benchutil import dev_queries, percentile, sample_passages, timed_rate

MEMORY_PROBE = """
import json, sys
from pathlib import Path
from ingest.embed import Embedder
embedder = Embedder(engine=sys.argv[1], threads=1)
embedder.encode_passages(json.loads(sys.argv[2]))
status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
print(json.dumps({k: int(status[k].split()[0]) // 1024 for k in ("VmRSS", "VmHWM")}))
"""


def available_engines() -> tuple[list[str], dict[str, str]]:
    """The engines whose packages import here, and the missing package of each other one."""
    from ingest.engines import ENGINES, missing_package

    missing = {name: missing_package(name) for name in ENGINES}
    return [n for n, m in missing.items() if m is None], {n: m for n, m in missing.items() if m is not None}


def memory_mb(engine: str, texts: list[str]) -> dict:
    """RSS and peak RSS (MB) of a fresh process that loaded ``engine`` and encoded ``texts``."""
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, engine, json.dumps(texts)], capture_output=True,
                          text=True, timeout=600, cwd=Path(__file__).resolve().parents[2])
    if done.returncode != 0:
        raise RuntimeError(f"memory probe of {engine} failed: {done.stderr[-1000:]}")
    values = json.loads(done.stdout.strip().splitlines()[-1])
    return {"rss_mb": values["VmRSS"], "peak_rss_mb": values["VmHWM"]}


def query_times(embedder, queries: list[str]) -> list[float]:
    """Milliseconds of each single-query encoding."""
    times = []
    for query in queries:
        started = time.perf_counter()
        embedder.encode_queries([query])
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_engines(data: Path, *, sample: int, repeat: int, log: Callable[[str], None]) -> dict:
    """Every available engine on the same ``sample`` passages and 40 dev queries, rounds alternating."""
    import numpy as np
    import torch

    from ingest.embed import Embedder
    from ingest.engines import vectors_tag
    from ingest.settings import setting

    cores = len(os.sched_getaffinity(0))
    names, missing = available_engines()
    texts = sample_passages(data, sample)
    queries = dev_queries(data)[:40]
    reference = Embedder(precision="fp32", threads=cores).encode_passages(texts)
    passages = {n: Embedder(engine=n, precision=setting("precision"), threads=cores) for n in names}
    singles = {n: passages[n] if n == "torch" else Embedder(engine=n, threads=1) for n in names}
    for n in names:  # load (and export on first use), warm up
        passages[n].encode_passages(texts[:8])
        singles[n].encode_queries(queries[:1])
    rates: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(repeat):
        for n in names:
            torch.set_num_threads(cores)
            rate, cpu = timed_rate(passages[n].encode_passages, texts)
            rates[n].append(rate)
            cpus[n].append(cpu)
            torch.set_num_threads(1)  # the torch engine's single queries run on one thread, as in serve
            times[n] += query_times(singles[n], queries)
        log(f"  engines round {r + 1}: " + ", ".join(f"{n} {rates[n][-1]:.1f}/s" for n in names))
    torch.set_num_threads(cores)
    out: dict = {"threads": cores, "sample_passages": len(texts), "queries": len(queries), "engines": {},
                 "unavailable": missing, "precision_torch": passages["torch"].precision}
    for n in names:
        cosines = np.sum(passages[n].encode_passages(texts) * reference, axis=1)
        out["engines"][n] = {
            "passages_per_s": round(statistics.median(rates[n]), 1), "runs": [round(x, 1) for x in rates[n]],
            "cpu_ms_per_passage": round(statistics.median(cpus[n]) * 1000, 1),
            "query_p50_ms": round(percentile(times[n], 50), 2), "query_p95_ms": round(percentile(times[n], 95), 2),
            "min_cosine": round(float(cosines.min()), 5), "mean_cosine": round(float(cosines.mean()), 5),
            "vectors": vectors_tag(n) or "torch", **memory_mb(n, texts[:8])}
    return out


def engines_lines(e: dict | None) -> list[str]:
    if not e:
        return []
    torch_rate = e["engines"].get("torch", {}).get("passages_per_s") or 1.0
    lines = [f"engines  {e['sample_passages']} passages ({e['threads']} threads, batch 8) and {e['queries']} "
             f"queries (1 thread), rounds alternating; torch runs {e['precision_torch']}",
             "         engine             passages/s  x torch  CPU ms/p  query p50  p95 ms  RSS MB  min/mean cos"]
    for name, x in e["engines"].items():
        lines.append(f"         {name:<18}{x['passages_per_s']:>11}{x['passages_per_s'] / torch_rate:>9.2f}"
                     f"{x['cpu_ms_per_passage']:>10}{x['query_p50_ms']:>11}{x['query_p95_ms']:>8}"
                     f"{x['rss_mb']:>8}  {x['min_cosine']}/{x['mean_cosine']}")
    lines += [f"         {name}: not installed ({package})" for name, package in e["unavailable"].items()]
    return lines
