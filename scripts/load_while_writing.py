"""Search latency while the index is written: N clients search while one writer POSTs an article a second.

Against a running ``telusur serve`` on this machine only (127.0.0.1), bounded in time and requests:

    TELUSUR_API_TOKEN=t telusur serve --index IDX --port 8765 &
    python scripts/load_while_writing.py --url http://127.0.0.1:8765 --token t --clients 16 --seconds 60

Runs an idle round (searches only) and a writing round (searches + 1 POST/s) and prints one JSON object:
per round p50/p95 search latency, searches/s, errors, and the POSTs' p50/p95.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

QUERIES = ("Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?", "banjir Padang", "pelayanan publik digital",
           "Siapa yang membuka Bimtek Inovasi Daerah?", "harga cabai petani", "sekolah dasar rusak",
           "aplikasi layanan kependudukan", "jalan desa dibangun", "posyandu balita gizi", "pariwisata pantai")
MAX_REQUESTS = 200_000  # a hard bound whatever the duration


def _local(url: str) -> str:
    host = urllib.parse.urlparse(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {host!r}: this tool only targets this machine (127.0.0.1)")
    return url.rstrip("/")


def _timed(request: urllib.request.Request | str) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError:
        status = 0
    return (time.perf_counter() - started) * 1000, status


def _searcher(base: str, stop: float, out: list[tuple[float, int]], lock: threading.Lock, offset: int) -> None:
    n = offset
    while time.monotonic() < stop and len(out) < MAX_REQUESTS:
        q = urllib.parse.quote(QUERIES[n % len(QUERIES)])
        n += 1
        result = _timed(f"{base}/api/search?q={q}&k=10")
        with lock:
            out.append(result)


def _writer(base: str, token: str, stop: float, out: list[tuple[float, int]], run: str) -> None:
    n = 0
    while time.monotonic() < stop:
        tick = time.monotonic()
        body = {"id": f"load-{run}-{n}", "title": f"Uji beban nomor {n}", "source": "Uji beban",
                "text": f"Pemerintah desa uji {n} meresmikan program air bersih. Warga menyambut baik program itu "
                        f"dan berharap berlanjut tahun depan dengan anggaran {n * 3} juta rupiah."}
        request = urllib.request.Request(f"{base}/api/documents", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})
        out.append(_timed(request))
        n += 1
        time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))


def one_round(base: str, *, clients: int, seconds: float, token: str | None) -> dict:
    searches: list[tuple[float, int]] = []
    posts: list[tuple[float, int]] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    threads = [threading.Thread(target=_searcher, args=(base, stop, searches, lock, i)) for i in range(clients)]
    if token:
        threads.append(threading.Thread(target=_writer, args=(base, token, stop, posts, str(int(time.time())))))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"searches": _summary(searches, seconds), **({"posts": _summary(posts, seconds)} if token else {})}


def _summary(results: list[tuple[float, int]], seconds: float) -> dict:
    ok = sorted(ms for ms, status in results if 200 <= status < 300)
    errors = sum(1 for _, status in results if not 200 <= status < 300)
    if not ok:
        return {"n": len(results), "errors": errors}
    return {"n": len(results), "errors": errors, "per_s": round(len(results) / seconds, 1),
            "p50_ms": round(statistics.median(ok), 1), "p95_ms": round(ok[int(0.95 * (len(ok) - 1))], 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--token", required=True, help="the server's API token (POST /api/documents)")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=60.0)
    args = p.parse_args()
    base = _local(args.url)
    idle = one_round(base, clients=args.clients, seconds=args.seconds, token=None)
    writing = one_round(base, clients=args.clients, seconds=args.seconds, token=args.token)
    ratio = writing["searches"].get("p95_ms", 0) / max(idle["searches"].get("p95_ms", 1), 1e-9)
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "idle": idle, "writing": writing,
                      "p95_ratio_writing_to_idle": round(ratio, 2)}, indent=1))


if __name__ == "__main__":
    main()
