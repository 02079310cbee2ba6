"""Bench stage ``serve``: a real ``telusur serve`` process: time to ready and to the first answer, latency through
the HTTP API from one client without and with a date or source filter, concurrent clients, peak RSS."""

from __future__ import annotations

import contextlib
import http.client
import statistics
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from search_app.tools.benchutil import free_port, latency_summary, percentile, telusur_cmd, tree_rss_mb

DATE_FILTER = ("2017-01-01", "2017-12-31")


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
    """The hybrid search alone (``answer=0``: the answer box's reading is the ``answers`` stage's measure)."""
    return f"/api/search?q={urllib.parse.quote(query)}&k=10&answer=0{extra}"



@contextlib.contextmanager
def server(index_dir: Path, *, workers: int, threads: int | None, log_file: Path,
           engine: str | None = None) -> Iterator[dict]:
    """A ``telusur serve`` process (query engine ``engine``, else the setting's); yields {port, pid, ready_s,
    first_answer_s}."""
    port = free_port()
    args = ["serve", "--index", str(index_dir), "--port", str(port), "--workers", str(workers)]
    if threads:
        args += ["--threads", str(threads)]
    if engine:
        args += ["--engine", engine]
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
                per_client: int, workers: int, threads: int | None, log: Callable[[str], None],
                engine: str | None = None) -> dict:
    """Latency and throughput through the HTTP API of a real server process on ``index_dir``."""
    scenarios = filter_scenarios(index_dir)
    with server(index_dir, workers=workers, threads=threads, log_file=work / "serve.log", engine=engine) as info:
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
    return {"workers": workers, "server_threads": threads or 4, "query_engine": engine or "(setting)",
            "ready_s": info["ready_s"],
            "first_answer_s": info["first_answer_s"], "single_client": single, "single_client_errors": errors,
            "concurrent": {"clients": clients, "qps": round(statistics.median(x["qps"] for x in loads), 1),
                           "errors": sum(x["errors"] for x in loads),
                           "p50": round(statistics.median(x["p50"] for x in loads), 1),
                           "p95": round(statistics.median(x["p95"] for x in loads), 1), "rounds": loads,
                           "best": best},
            "rss_anon_mb": rss_anon, "rss_file_mb": rss_file,
            "rss_mb": rss_now, "peak_rss_mb": rss_peak}


def serve_lines(s: dict | None) -> list[str]:
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
    lines += [f"         query engine {name}: 1 client hybrid p50 {x['p50']} ms, p95 {x['p95']} ms; {c['clients']} "
              f"clients {x['qps']} q/s; peak RSS {x['peak_rss_mb']} MB" for name, x in s.get("engines", {}).items()]
    return lines



def bench_serve_engines(index_dir: Path, work: Path, *, engines: Sequence[str], log: Callable[[str], None],
                        **kwargs) -> dict:
    """``bench_serve`` with the setting's query engine, then once per engine of ``engines`` (one server each),
    their single-client hybrid latency, concurrent queries/s and peak RSS under ``engines``."""
    results = bench_serve(index_dir, work, log=log, **kwargs)
    results["engines"] = {}
    for engine in engines:
        log(f"  query engine {engine}")
        x = bench_serve(index_dir, work, log=log, engine=engine, **kwargs)
        results["engines"][engine] = {"p50": x["single_client"]["none"]["p50"],
                                      "p95": x["single_client"]["none"]["p95"], "qps": x["concurrent"]["qps"],
                                      "peak_rss_mb": x["peak_rss_mb"], "ready_s": x["ready_s"]}
    return results
