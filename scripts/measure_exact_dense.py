"""Cost of exact dense candidates: the vector table's exact top-k against Chroma's HNSW query, by index size.

    python scripts/measure_exact_dense.py [--sizes 10000 25000 50000 100000] [--queries 200] [--depth 100]

Vectors: real passage vectors from the shared embedding cache (~/.cache/telusur/embeddings.sqlite) and, beyond
them, synthetic ones made as ``search_app/tools/benchcorpus.py`` makes them (normalised mean of 3 real vectors
plus N(0, 0.02^2) noise). Queries: real vectors plus the same noise. For each size it builds a Chroma store with
the product's ``ChromaVectors`` and a ``VectorTable`` (memory-mapped, as search workers read it), then times
both (p50 wall ms and CPU ms per query, one thread at a time) and Chroma's recall of the exact top ``depth``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.chroma import ChromaVectors  # noqa: E402
from ingest.vectable import VectorTable  # noqa: E402

CACHE = Path.home() / ".cache" / "telusur" / "embeddings.sqlite"


def vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    with sqlite3.connect(CACHE) as db:
        real = np.stack([np.frombuffer(b, dtype=np.float32) for (b,) in db.execute("SELECT vector FROM vectors")])
    real = real[:n]
    extra = n - len(real)
    if extra <= 0:
        return real
    mix = real[rng.integers(0, len(real), size=(extra, 3))].mean(axis=1)
    mix += rng.normal(0, 0.02, mix.shape).astype(np.float32)
    mix /= np.linalg.norm(mix, axis=1, keepdims=True)
    return np.concatenate([real, mix.astype(np.float32)])


def timed(fn, queries: np.ndarray) -> tuple[list, float, float]:
    out, walls = [], []
    cpu = time.process_time()
    for q in queries:
        t = time.perf_counter()
        out.append(fn(q))
        walls.append((time.perf_counter() - t) * 1000)
    return out, statistics.median(walls), (time.process_time() - cpu) * 1000 / len(queries)


def measure(n: int, queries: np.ndarray, depth: int, rng: np.random.Generator, work: Path) -> dict:
    matrix = vectors(n, rng)
    ids = [f"p{i:07d}" for i in range(n)]
    folder = work / f"n{n}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    chroma = ChromaVectors(folder)
    chroma.upsert(ids, matrix, [{"i": i} for i in range(n)])
    VectorTable(ids, matrix).save(folder / "vectors")
    table = VectorTable.load(folder / "vectors")
    table.nearest(queries[0], depth)  # page the table in, as a serving worker's first query does
    chroma.query(queries[0], depth)
    approx, chroma_p50, chroma_cpu = timed(lambda q: chroma.query(q, depth), queries)
    exact, exact_p50, exact_cpu = timed(lambda q: table.nearest(q, depth), queries)
    recall = statistics.mean(len({p for p, _ in a} & {p for p, _ in e}) / depth for a, e in zip(approx, exact))
    shutil.rmtree(folder, ignore_errors=True)
    return {"passages": n, "chroma_p50_ms": round(chroma_p50, 2), "chroma_cpu_ms": round(chroma_cpu, 2),
            "exact_p50_ms": round(exact_p50, 2), "exact_cpu_ms": round(exact_cpu, 2),
            "chroma_recall_at_depth": round(recall, 4), "depth": depth}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 25_000, 50_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(7)
    base = vectors(args.queries, rng)
    queries = base + rng.normal(0, 0.02, base.shape).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="exact-dense-"))
    print(f"load average {os.getloadavg()}", flush=True)
    for n in args.sizes:
        print(json.dumps(measure(n, queries, args.depth, rng, work)), flush=True)
    print(f"load average {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
