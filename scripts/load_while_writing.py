"""Search latency while the index is written, and the server's memory over a long run.

Against a running ``telusur serve`` on this machine only (127.0.0.1), bounded in time and requests:

    TELUSUR_API_TOKEN=t telusur serve --index IDX --port 8765 &
    python scripts/load_while_writing.py --url http://127.0.0.1:8765 --token t --clients 16 --seconds 120 \
        --index IDX --ingest 40

Runs an idle round (searches only) and a writing round: the same searches while one writer POSTs an article a
second (a 503 — another writer held the lock for 30 s — is retried after 10 s, up to 3 times, and counted as
``retried``) and, with ``--index``, a background ``telusur ingest`` of ``--ingest`` new articles runs
into the served index; the round goes on until that ingest has finished.
Every new article a search returns is looked up at once on /api/artikel (and again at the end): a result whose
article is not committed and published counts as ``uncommitted``. Prints one JSON object: per round p50/p95
search latency, searches/s, errors, uncommitted results, the POSTs' statuses and p50/p95, the ingest's exit.

``--soak MINUTES --pid PID`` instead runs a gentle mixed load (``--clients`` searchers pausing ``--pause`` s
between searches, one POST every 10 s) and samples the server's resident memory (VmRSS of PID, children
included) every 10 s: the growth from the first sample after ``--warmup`` seconds to the last.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

QUERIES = ("Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?", "banjir Padang", "pelayanan publik digital",
           "Siapa yang membuka Bimtek Inovasi Daerah?", "harga cabai petani", "program air bersih desa uji",
           "aplikasi layanan kependudukan", "jalan desa dibangun", "tambatan perahu nelayan pesisir",
           "pariwisata pantai")
MAX_REQUESTS = 200_000  # a hard bound whatever the duration
RETRIES, BUSY_WAIT, RETRIED = 3, 10.0, -503  # a POST answered 503 is retried; counted apart from errors
NEW = ("load-", "masuk-")  # ids of the articles this tool writes (POST, ingest)
SYLLABLES = ("ka", "la", "ma", "ra", "su", "ti", "wa", "ngo", "be", "ji", "do", "pe", "ru", "se", "no", "gu", "ha")


def _local(url: str) -> str:
    host = urllib.parse.urlparse(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {host!r}: this tool only targets this machine (127.0.0.1)")
    return url.rstrip("/")


def _timed(request: urllib.request.Request | str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    body = b""
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError:
        status = 0
    return (time.perf_counter() - started) * 1000, status, body


class Visibility:
    """New articles seen in search results, each checked once on /api/artikel right after it was seen."""

    def __init__(self, base: str):
        self.base, self.seen, self.uncommitted, self.lock = base, set(), [], threading.Lock()

    def check(self, body: bytes) -> None:
        try:
            ids = {r["article_id"] for r in json.loads(body)["results"]}
        except (ValueError, KeyError):
            return
        for article_id in ids:
            with self.lock:
                if not article_id.startswith(NEW) or article_id in self.seen:
                    continue
                self.seen.add(article_id)
            if not self.published(article_id):
                with self.lock:
                    self.uncommitted.append(article_id)

    def published(self, article_id: str) -> bool:
        return _timed(f"{self.base}/api/artikel/{urllib.parse.quote(article_id)}")[1] == 200

    def recheck(self) -> list[str]:
        """Seen articles that are not published now (none may be: nothing here deletes)."""
        return sorted(a for a in self.seen if not self.published(a))


def _searcher(base: str, done: Callable[[], bool], out: list, lock: threading.Lock, offset: int, pause: float,
              seen: Visibility, queries: tuple[str, ...] = QUERIES) -> None:
    n = offset
    while not done() and len(out) < MAX_REQUESTS:
        q = urllib.parse.quote(queries[n % len(queries)])
        n += 1
        ms, status, body = _timed(f"{base}/api/search?q={q}&k=10")
        with lock:
            out.append((ms, status))
        if status == 200:
            seen.check(body)
        time.sleep(pause)


def _writer(base: str, token: str, done: Callable[[], bool], out: list, run: str, every: float) -> None:
    n = 0
    while not done():
        tick = time.monotonic()
        body = {"id": f"load-{run}-{n}", "title": f"Uji beban nomor {n}", "source": "Uji beban",
                "text": f"Pemerintah desa {place('load' + run, n)} meresmikan program air bersih. "
                        + filler('load' + run, n)}
        request = urllib.request.Request(f"{base}/api/documents", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})
        for _ in range(RETRIES + 1):  # 503: another writer (the ingest) held the lock 30 s; retry as told
            ms, status, _body = _timed(request)
            out.append((ms, status if status != 503 else RETRIED))
            if status != 503:
                break
            time.sleep(BUSY_WAIT)
        n += 1
        time.sleep(max(0.0, every - (time.monotonic() - tick)))


def new_articles(folder: Path, count: int, run: str) -> Path:
    """A JSONL dump of ``count`` new articles (text written for this tool)."""
    path = folder / f"masuk-{run}.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for n in range(count):
            f.write(json.dumps({"id": f"masuk-{run}-{n}", "title": f"Tambatan perahu nelayan pesisir nomor {n}",
                                "source": "Uji ingest", "date": "2025-09-01",
                                "text": f"Nelayan pesisir desa {place('masuk' + run, n)} kini memakai tambatan perahu "
                                        f"baru. " + filler("masuk" + run, n)}) + "\n")
    return path


def place(run: str, n: int) -> str:
    """A made-up village name, the same for the same (run, n): a query that finds exactly that article."""
    rnd = random.Random(f"{run}-{n}-place")
    return "".join(rnd.choice(SYLLABLES) for _ in range(4)).capitalize()


def filler(run: str, n: int) -> str:
    """Made-up words that make each article's body its own (not a wire copy of the others)."""
    rnd = random.Random(f"{run}-{n}-body")
    return " ".join("".join(rnd.choice(SYLLABLES) for _ in range(3)) for _ in range(40)) + "."


def _ingest(index: str, dump: Path, result: dict) -> None:
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "search_app.cli", "ingest", str(dump),
                          "--index", index, "--quiet"], capture_output=True, text=True, timeout=1800)
    result.update(returncode=run.returncode, seconds=round(time.monotonic() - started, 1),
                  summary=run.stderr.strip().splitlines()[-1:] or [""])


def one_round(base: str, *, clients: int, seconds: float, token: str | None, index: str | None = None,
              ingest: int = 0) -> dict:
    searches: list[tuple[float, int]] = []
    posts: list[tuple[float, int]] = []
    lock = threading.Lock()
    seen = Visibility(base)
    run = str(int(time.time()))
    started = time.monotonic()
    ingested: dict = {}
    ingester = None
    if index and ingest:  # the round lasts until the ingest has published, so its articles are searched too
        dump = new_articles(Path(tempfile.mkdtemp(prefix="telusur-load-")), ingest, run)
        ingester = threading.Thread(target=_ingest, args=(index, dump, ingested))
        ingester.start()

    def done() -> bool:
        return time.monotonic() >= started + seconds and not (ingester and ingester.is_alive())

    names = [f"desa {place('masuk' + run, n)}" for n in range(ingest if ingester else 0)]
    names += [f"desa {place('load' + run, n)}" for n in range(int(seconds) * 3 if token else 0)]
    queries = tuple(q for pair in itertools.zip_longest(QUERIES * 50, names) for q in pair if q)
    threads = [threading.Thread(target=_searcher, args=(base, done, searches, lock, i, 0.0, seen, queries))
               for i in range(clients)]
    if token:
        threads.append(threading.Thread(target=_writer, args=(base, token, done, posts, run, 1.0)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    out = {"seconds": round(seconds, 1), "searches": {**_summary(searches, seconds), "status": _statuses(searches)},
           "new_articles_seen": len(seen.seen),
           "uncommitted": len(seen.uncommitted), "uncommitted_at_the_end": len(seen.recheck())}
    if token:
        out["posts"] = {**_summary(posts, seconds), "status": _statuses(posts)}
    if ingested:
        out["ingest"] = ingested
    return out


def _statuses(results: list[tuple[float, int]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, status in results:
        name = "503 (retried)" if status == RETRIED else str(status)
        counts[name] = counts.get(name, 0) + 1
    return counts


def _summary(results: list[tuple[float, int]], seconds: float) -> dict:
    ok = sorted(ms for ms, status in results if 200 <= status < 300)
    errors = sum(1 for _, status in results if not 200 <= status < 300 and status != RETRIED)
    if not ok:
        return {"n": len(results), "errors": errors}
    return {"n": len(results), "errors": errors, "per_s": round(len(results) / seconds, 1),
            "p50_ms": round(statistics.median(ok), 1), "p95_ms": round(ok[int(0.95 * (len(ok) - 1))], 1)}


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children (KiB)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = [int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                for c in (t / "children").read_text().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in _children(k)]


def soak(base: str, *, token: str, pid: int, minutes: float, clients: int, pause: float, warmup: float = 60) -> dict:
    """A gentle mixed load for ``minutes``; the server's RSS sampled every 10 s."""
    searches: list[tuple[float, int]] = []
    posts: list[tuple[float, int]] = []
    lock = threading.Lock()
    seen = Visibility(base)
    started = time.monotonic()
    stop = started + minutes * 60
    done = lambda: time.monotonic() >= stop  # noqa: E731
    threads = [threading.Thread(target=_searcher, args=(base, done, searches, lock, i, pause, seen))
               for i in range(clients)]
    threads.append(threading.Thread(target=_writer, args=(base, token, done, posts, f"soak{int(time.time())}", 10.0)))
    for t in threads:
        t.start()
    samples: list[tuple[float, int]] = []
    while time.monotonic() < stop:
        samples.append((round(time.monotonic() - started), rss_kib(pid)))
        time.sleep(10)
    for t in threads:
        t.join()
    samples.append((round(time.monotonic() - started), rss_kib(pid)))
    warm = next((kib for t, kib in samples if t >= warmup), samples[0][1])
    last = samples[-1][1]
    return {"minutes": minutes, "searches": {**_summary(searches, minutes * 60), "status": _statuses(searches)},
            "posts": {**_summary(posts, minutes * 60), "status": _statuses(posts)},
            "uncommitted": len(seen.uncommitted), "rss_mib_after_warmup": round(warm / 1024, 1),
            "rss_mib_end": round(last / 1024, 1), "rss_mib_max": round(max(k for _, k in samples) / 1024, 1),
            "rss_growth_pct": round(100 * (last - warm) / warm, 2),
            "samples_mib": [(t, round(k / 1024, 1)) for t, k in samples]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--token", required=True, help="the server's API token (POST /api/documents)")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--index", help="the served index: also run a `telusur ingest` into it in the writing round")
    p.add_argument("--ingest", type=int, default=40, help="new articles that ingest reads (with --index)")
    p.add_argument("--soak", type=float, metavar="MINUTES", help="run a soak instead and report RSS growth")
    p.add_argument("--pid", type=int, help="the server's process id (with --soak)")
    p.add_argument("--pause", type=float, default=1.0, help="seconds each soak client waits between searches")
    p.add_argument("--warmup", type=float, default=60.0,
                   help="soak: seconds before the baseline sample (past the server's 'warmed up' line)")
    args = p.parse_args()
    base = _local(args.url)
    if args.soak:
        if not args.pid:
            raise SystemExit("--soak needs --pid (the server's process id)")
        print(json.dumps(soak(base, token=args.token, pid=args.pid, minutes=args.soak, clients=args.clients,
                              pause=args.pause, warmup=args.warmup), indent=1))
        return
    idle = one_round(base, clients=args.clients, seconds=args.seconds, token=None)
    writing = one_round(base, clients=args.clients, seconds=args.seconds, token=args.token, index=args.index,
                        ingest=args.ingest)
    ratio = writing["searches"].get("p95_ms", 0) / max(idle["searches"].get("p95_ms", 1), 1e-9)
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "idle": idle, "writing": writing,
                      "p95_ratio_writing_to_idle": round(ratio, 2)}, indent=1))


if __name__ == "__main__":
    main()
