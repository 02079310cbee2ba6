"""Crash campaign: SIGKILL `telusur ingest` at random moments of every stage, then check and finish the job.

    python scripts/crash_campaign.py [--kills 50] [--articles 300] [--seed 1] [--work DIR] [--json OUT]

The corpus (indosum articles from $TELUSUR_DATA when present, else generated text) is a folder of JSONL files
that alternates between two versions: A, and B (one file gone, five articles changed, five dropped from a
file, one new file), always ingested with `--prune`, so runs read, embed, write Chroma and the ledger, prune and
rebuild. Every eighth round starts from an empty index. Each round:

1. starts the ingest with stage markers (``TELUSUR_STAGES``), waits until it enters the round's target stage
   (read, embed, chroma, ledger, prune, lexical, vectors, publish) plus a seeded random delay, stops it
   (SIGSTOP), records the stage it stopped in, and SIGKILLs it;
2. runs the check of `telusur check` (as any reader, it first publishes what the killed writer committed);
3. runs the same ingest again, then verifies: `check` clean, the ledger's passages equal an uninterrupted
   ingest's (0 missing, 0 extra, 0 duplicated) and the same searches (hybrid, dense, bm25) return the same
   passages in the same order.

The checks and searches run in one long-lived worker process (the code of `telusur check` and of the search,
on a fresh ``Index`` with Chroma's clients reopened each time), so a round starts two Python processes, the
killed ingest and its rerun.

Rounds that target "embed" first delete some vectors from the shared embedding cache, so the encoder really
runs (the other rounds take every vector from the cache: CPU is scarce). Then `--server-kills` times, a
`telusur serve` is SIGKILLed while it answers a `POST /api/documents`, and the check runs on its index.
Exit status 0 when every round ended clean.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

STAGES = ("read", "embed", "chroma", "ledger", "prune", "lexical", "vectors", "publish")
MAX_DELAY = {"embed": 3.0, "read": 0.4, "lexical": 0.05, "vectors": 0.05}  # others: 0.005 s
TOPICS = ("irigasi sawah", "jalan desa", "posyandu balita", "sekolah dasar", "pasar rakyat", "air bersih",
          "bank sampah", "perpustakaan keliling", "jembatan gantung", "pelatihan nelayan")
MODES = ("hybrid", "dense", "bm25")


def telusur(*args: str) -> list[str]:
    return [sys.executable, "-m", "search_app.cli", *args]


def articles(n: int, *, generated: bool = False) -> list[dict]:
    """``n`` articles: the first indosum articles when the real data is there (and not ``generated``), else
    generated text."""
    path = Path(os.environ.get("TELUSUR_DATA", REPO.parent / "shared" / "data")) / "indosum-news" / "corpus.jsonl"
    if path.is_file() and not generated:
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for _, line in zip(range(n), f)]
    return [{"id": f"g{i}", "title": f"Program {TOPICS[i % 10]} desa nomor {i}",
             "text": f"Pemerintah kecamatan meresmikan program {TOPICS[i % 10]} ke-{i} dengan anggaran {i * 7} "
                     f"juta rupiah. Warga dusun {i} menyambut baik program itu.\n\nKepala desa berharap program "
                     f"{TOPICS[(i + 3) % 10]} berlanjut tahun depan bersama {i % 13} kelompok warga.",
             "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "source": f"Media {i % 4}", "category": "Daerah"}
            for i in range(n)]


def variants(records: list[dict]) -> dict[str, dict[str, list[dict]]]:
    """Version A (ten files) and B (last file gone, 5 changed, 5 dropped, a new file)."""
    per_file = max(6, len(records) // 10)
    base, new = records[:-per_file], records[-per_file:]
    files_a = {f"part{n:02d}.jsonl": base[i:i + per_file] for n, i in enumerate(range(0, len(base), per_file))}
    names = sorted(files_a)
    files_b = {name: list(rows) for name, rows in files_a.items() if name != names[-1]}
    files_b[names[0]] = [{**r, "title": r["title"] + " (diperbarui)", "text": r["text"] + "\n\nRalat: data diperbarui."}
                         if i < 5 else r for i, r in enumerate(files_b[names[0]])]
    files_b[names[1]] = files_b[names[1]][5:]
    files_b["tambahan.jsonl"] = new
    return {"A": files_a, "B": files_b}


def write_variant(folder: Path, files: dict[str, list[dict]]) -> None:
    """Make ``folder`` hold exactly ``files`` (rewritten only when their content changes)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.jsonl"):
        if old.name not in files:
            old.unlink()
    for name, rows in files.items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def queries(records: list[dict]) -> list[str]:
    """Six searches: the start of six titles spread over the corpus (and over the generated topics)."""
    step = len(records) // 6
    return [" ".join(records[k * step + k % max(1, step)]["title"].split()[:5]) for k in range(6)]


# -- one long-lived process: check, ledger and searches of an index -------------------------------------------
def fresh_chroma() -> None:
    """Forget the Chroma stores opened so far: another process has written them since."""
    from chromadb.api.shared_system_client import SharedSystemClient

    for system in list(SharedSystemClient._identifier_to_system.values()):
        with contextlib.suppress(Exception):
            system.stop()
    SharedSystemClient.clear_system_cache()


def check_json(index_dir: str) -> dict:
    """What `telusur check --json` prints, from a fresh Index (and fresh Chroma clients)."""
    from ingest.check import check
    from ingest.store import Index

    fresh_chroma()
    return check(Index(index_dir)).to_json()


_embedder = None


def verify(index_dir: str, query_list: list[str]) -> dict:
    global _embedder
    from ingest.check import check
    from ingest.embed import Embedder
    from ingest.store import Index
    from search_app.search import Searcher

    fresh_chroma()
    index = Index(index_dir)
    _embedder = _embedder or Embedder(index.get_meta("model"))
    searcher = Searcher(index, _embedder)
    searcher.catalog.current()  # as open_searcher: settles what a killed writer left
    report = check(index)
    rows = list(index.db.execute("SELECT passage_id, article_id, position FROM passages"))
    results = {f"{mode}:{q}": [r.passage_id for r in searcher.search(q, k=10, mode=mode).results]
               for q in query_list for mode in MODES}
    return {"check_ok": report.ok, "problems": [p.line() for p in report.problems],
            "passages": sorted(r[0] for r in rows),
            "duplicates": len(rows) - len({(r[1], r[2]) for r in rows}), "results": results}


def ledger(index_dir: Path) -> dict:
    """The passages of an index's ledger and how many are duplicated (read with SQLite, no model)."""
    with sqlite3.connect(index_dir / "articles.sqlite") as db:
        rows = list(db.execute("SELECT passage_id, article_id, position FROM passages"))
    return {"passages": sorted(r[0] for r in rows), "duplicates": len(rows) - len({(r[1], r[2]) for r in rows})}


class Worker:
    """A long-lived process that runs the check (the code of `telusur check`) and the searches on request, so
    a round starts two Python processes (the killed ingest and its rerun), not five: CPU is scarce."""

    def __init__(self, env: dict):
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=REPO, env=env)

    def ask(self, **request) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker died ({self.proc.wait()})")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def check(self, index_dir: Path) -> dict:
        report = self.ask(op="check", index=str(index_dir))
        return {"ok": report["ok"], "notes": report["notes"],
                "problems": [p["store"] + ": " + p["what"] for p in report["problems"]]}

    def verify(self, index_dir: Path, query_list: list[str]) -> dict:
        return self.ask(op="verify", index=str(index_dir), queries=query_list)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=120)


def serve_worker() -> None:
    """The worker's loop: one JSON request a line on stdin, one JSON answer a line on stdout."""
    import traceback

    out = sys.stdout
    sys.stdout = sys.stderr  # anything else printed goes to stderr
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = (check_json(request["index"]) if request["op"] == "check"
                      else verify(request["index"], request["queries"]))
        except Exception:
            answer = {"error": traceback.format_exc()[-3000:]}
        out.write(json.dumps(answer) + "\n")
        out.flush()


# -- the campaign --------------------------------------------------------------------------------------------
class Campaign:
    def __init__(self, work: Path, records: list[dict], seed: int):
        self.work = work
        self.rng = random.Random(seed)
        self.corpus = work / "corpus"
        self.index = work / "index"
        self.cache = work / "embeddings.sqlite"
        self.variants = variants(records)
        self.queries = queries(records)
        self.env = {**os.environ, "TELUSUR_EMBED_CACHE": str(self.cache), "TELUSUR_ENCODE_PROCESSES": "1",
                    "TELUSUR_THREADS": "1", "TELUSUR_BATCH": "32"}
        self.reference: dict[str, dict] = {}
        self.worker = Worker(self.env)

    def ingest_cmd(self, index: Path) -> list[str]:
        return telusur("ingest", str(self.corpus), "--index", str(index), "--prune", "--quiet")

    def build_references(self) -> None:
        for name, files in self.variants.items():
            saved = self.work / f"ref-{name}.json"
            if saved.exists():  # a rerun in the same folder with the same corpus: the references are reused
                record = json.loads(saved.read_text())
                if record["queries"] == self.queries and record["files"] == files:
                    self.reference[name] = record["verified"]
                    continue
            write_variant(self.corpus, files)
            ref = self.work / f"ref-{name}"
            shutil.rmtree(ref, ignore_errors=True)
            done = subprocess.run(self.ingest_cmd(ref), env=self.env, capture_output=True, text=True, cwd=REPO)
            if done.returncode != 0:
                raise RuntimeError(f"reference ingest failed: {done.stderr[-2000:]}")
            self.reference[name] = self.worker.verify(ref, self.queries)
            if not self.reference[name]["check_ok"]:
                raise RuntimeError(f"reference {name} fails its check: {self.reference[name]['problems']}")
            saved.write_text(json.dumps({"queries": self.queries, "files": files, "verified": self.reference[name]}))

    def starve_cache(self, n: int) -> int:
        """Delete ``n`` random vectors from the shared cache (so the next run embeds them)."""
        with sqlite3.connect(self.cache) as db:
            keys = sorted(k for (k,) in db.execute("SELECT key FROM vectors"))
            gone = self.rng.sample(keys, min(n, len(keys)))
            db.executemany("DELETE FROM vectors WHERE key=?", [(k,) for k in gone])
        return len(gone)

    def killed_run(self, target: str) -> dict:
        """Start the ingest, kill it in ``target`` (plus a random delay); where it landed."""
        markers = Path(tempfile.mktemp(prefix="stages-", dir=self.work))
        delay = self.rng.uniform(0, MAX_DELAY.get(target, 0.005))
        proc = subprocess.Popen(self.ingest_cmd(self.index), env={**self.env, "TELUSUR_STAGES": str(markers)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        entered = None
        while proc.poll() is None:
            seen = markers.read_text().split() if markers.exists() else []
            if entered is None and target in seen:
                entered = time.monotonic()
            if entered is not None and time.monotonic() - entered >= delay:
                proc.send_signal(signal.SIGSTOP)
                landed = (markers.read_text().split() or ["start"])[-1]
                proc.kill()
                proc.wait()
                markers.unlink(missing_ok=True)
                return {"target": target, "delay_s": round(delay, 3), "landed": landed, "killed": True}
            time.sleep(0.002)
        markers.unlink(missing_ok=True)
        return {"target": target, "delay_s": round(delay, 3), "landed": "finished", "killed": False}

    def round(self, n: int, target: str, *, search: bool = True) -> dict:
        variant = "AB"[n % 2]
        fresh = n % 8 == 0
        if fresh:
            shutil.rmtree(self.index, ignore_errors=True)
        write_variant(self.corpus, self.variants[variant])
        starved = self.starve_cache(12) if target == "embed" else 0
        started = time.monotonic()
        row = {"round": n, "variant": variant, "fresh_index": fresh, "cache_starved": starved,
               **self.killed_run(target)}
        row["check_after_kill"] = self.worker.check(self.index)
        rerun = subprocess.run(self.ingest_cmd(self.index), env=self.env, capture_output=True, text=True, cwd=REPO)
        row["rerun_rc"] = rerun.returncode
        row["rerun_summary"] = (rerun.stderr.strip().splitlines() or [""])[-1]
        want = self.reference[variant]
        if search:
            got = self.worker.verify(self.index, self.queries)
            row.update(check_ok=got["check_ok"], problems=got["problems"], searched=True,
                       results_equal=got["results"] == want["results"],
                       results_differing=[q for q in want["results"] if got["results"].get(q) != want["results"][q]])
        else:
            final = self.worker.check(self.index)
            got = ledger(self.index)
            row.update(check_ok=final["ok"], problems=final["problems"], searched=False, results_equal=None)
        row.update(missing=len(set(want["passages"]) - set(got["passages"])),
                   extra=len(set(got["passages"]) - set(want["passages"])), duplicates=got["duplicates"],
                   seconds=round(time.monotonic() - started, 1))
        row["clean"] = (row["rerun_rc"] == 0 and row["check_ok"] and row["check_after_kill"]["ok"]
                        and not row["missing"] and not row["extra"] and not row["duplicates"]
                        and row["results_equal"] is not False)
        return row

    def server_kill(self, n: int) -> dict:
        """SIGKILL `telusur serve` while it writes a POST /api/documents; then check its index."""
        from tests.servers import free_port, wait_http

        port, token = free_port(), "campaign-token"
        proc = subprocess.Popen(telusur("serve", "--index", str(self.index), "--port", str(port)), cwd=REPO,
                                env={**self.env, "TELUSUR_API_TOKEN": token},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", timeout=180)
            docs = [{"id": f"api-{n}-{i}", "title": f"Kiriman API {n} nomor {i}",
                     "text": f"Dinas kominfo menerima kiriman {n} ke-{i} tentang {TOPICS[i % 10]} di desa {i}."}
                    for i in range(20)]
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/documents", data=json.dumps(docs).encode(),
                                             headers={"Authorization": f"Bearer {token}",
                                                      "Content-Type": "application/json"}, method="POST")
            threading.Thread(target=_post, args=(request,), daemon=True).start()
            delay = self.rng.uniform(0.2, 2.5)
            time.sleep(delay)
        finally:
            proc.kill()
            proc.wait()
        report = self.worker.check(self.index)
        with sqlite3.connect(self.index / "articles.sqlite") as db:
            api = db.execute("SELECT COUNT(*) FROM articles WHERE article_id LIKE ?", (f"api-{n}-%",)).fetchone()[0]
        return {"server_kill": n, "delay_s": round(delay, 3), "check_ok": report["ok"], "notes": report["notes"],
                "problems": report["problems"], "api_articles_kept": api, **ledger(self.index)}


def _post(request: urllib.request.Request) -> None:
    with contextlib.suppress(OSError):  # the server is killed mid-request: that is the point
        urllib.request.urlopen(request, timeout=300).read()


def targets(rng: random.Random, kills: int) -> list[str]:
    """Every stage in turn (a seeded shuffle per cycle), ``kills`` in all."""
    out: list[str] = []
    while len(out) < kills:
        cycle = list(STAGES)
        rng.shuffle(cycle)
        out += cycle
    return out[:kills]


def summarise(rows: list[dict], server: list[dict]) -> dict:
    landed: dict[str, int] = {}
    for r in rows:
        landed[r["landed"]] = landed.get(r["landed"], 0) + 1
    return {"kills": sum(r["killed"] for r in rows), "rounds": len(rows), "landed": landed,
            "clean": sum(r["clean"] for r in rows), "checks_clean_after_kill": sum(r["check_after_kill"]["ok"]
                                                                                    for r in rows),
            "missing": sum(r["missing"] for r in rows), "extra": sum(r["extra"] for r in rows),
            "duplicates": sum(r["duplicates"] for r in rows),
            "searched": sum(r["searched"] for r in rows), "results_equal": sum(bool(r["results_equal"]) for r in rows),
            "server_kills": len(server), "server_checks_clean": sum(s["check_ok"] for s in server)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--generated", action="store_true", help="generated text even where indosum is present")
    parser.add_argument("--server-kills", type=int, default=3)
    parser.add_argument("--search-every", type=int, default=1,
                        help="compare search results every N rounds (0: only after the last); always after the last")
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=None, help="write every round's record here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        serve_worker()
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="crash-campaign-"))
    work.mkdir(parents=True, exist_ok=True)
    campaign = Campaign(work, articles(args.articles, generated=args.generated), args.seed)
    started = time.monotonic()
    campaign.build_references()
    rows: list[dict] = []
    plan = targets(campaign.rng, 2 * args.kills)
    while sum(r["killed"] for r in rows) < args.kills and len(rows) < len(plan):
        last = sum(r["killed"] for r in rows) == args.kills - 1
        search = last or (args.search_every > 0 and len(rows) % args.search_every == 0)
        rows.append(campaign.round(len(rows), plan[len(rows)], search=search))
        r = rows[-1]
        print(f"round {r['round']:>2} {r['variant']} target {r['target']:<8} landed {r['landed']:<8} "
              f"after-kill check {'ok' if r['check_after_kill']['ok'] else 'FAIL'} | final check "
              f"{'ok' if r['check_ok'] else 'FAIL'} missing {r['missing']} extra {r['extra']} dup {r['duplicates']} "
              f"results {({True: 'equal', False: 'DIFFER', None: 'not searched'})[r['results_equal']]} "
              f"({r['seconds']} s)", flush=True)
    server = [campaign.server_kill(n) for n in range(args.server_kills)]
    for s in server:
        print(f"server kill {s['server_kill']} after {s['delay_s']} s: check {'ok' if s['check_ok'] else 'FAIL'} "
              f"{s['problems']} ({s['api_articles_kept']} of 20 posted articles kept)", flush=True)
    campaign.worker.close()
    summary = {**summarise(rows, server), "seconds": round(time.monotonic() - started, 1),
               "articles": args.articles, "seed": args.seed}
    print(json.dumps(summary), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rounds": rows, "server": server}, indent=1))
    ok = (summary["clean"] == len(rows) and summary["server_checks_clean"] == len(server)
          and not any(s["duplicates"] for s in server) and summary["kills"] >= args.kills)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
