"""Killing ingest half-way loses nothing committed, and a rerun completes the rest."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from ingest.store import Index
from tests.servers import telusur

pytestmark = pytest.mark.server

TOPICS = ("irigasi sawah", "jalan desa", "posyandu balita", "sekolah dasar", "pasar rakyat", "air bersih")


def _records(n: int) -> list[dict]:
    return [{"id": f"r{i}", "title": f"Program {TOPICS[i % 6]} nomor {i}",
             "text": f"Pemerintah kecamatan meresmikan program {TOPICS[i % 6]} ke-{i} dengan anggaran {i * 7} juta "
                     f"rupiah. Warga dusun {i} menyambut baik program itu dan berharap berlanjut tahun depan.",
             "date": "2024-02-01", "source": "Uji", "category": "Daerah"} for i in range(n)]


def _committed(db) -> set[str]:
    """The passage ids committed in the index database (none before it exists)."""
    try:
        with sqlite3.connect(db) as conn:
            return {pid for (pid,) in conn.execute("SELECT passage_id FROM passages")}
    except sqlite3.OperationalError:
        return set()


def _interrupted_run(tmp_path, sig: signal.Signals) -> tuple[subprocess.Popen, set[str], list[str]]:
    """Start ingesting 300 articles, send ``sig`` once some are committed; the process, what was committed
    when it ended, and the command that finishes the job."""
    dump = tmp_path / "arsip.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in _records(300)), encoding="utf-8")
    cmd = telusur("ingest", str(dump), "--index", str(tmp_path / "idx"), "--quiet")
    # an empty embedding cache of its own: the encoder really runs, so the signal lands mid-run even when an
    # earlier test has cached every vector (with all vectors cached the whole ingest can end within one poll)
    env = {**os.environ, "TELUSUR_BATCH": "32", "TELUSUR_EMBED_CACHE": str(tmp_path / "own-cache.sqlite")}
    # Ctrl-C as a terminal sends it: SIGINT at its default disposition in the child, whatever this test process
    # inherited (an ignored SIGINT is inherited across exec, and Python then installs no KeyboardInterrupt)
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    db = tmp_path / "idx" / "articles.sqlite"
    deadline = time.monotonic() + 300
    while not _committed(db) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    proc.wait(timeout=120)
    return proc, _committed(db), cmd


def _finish(tmp_path, cmd: list[str], committed: set[str]) -> None:
    """The same command again adds exactly what was missing and keeps what was committed."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"passages: {300 - len(committed)} added, {len(committed)} unchanged, 0 removed" in done.stderr
    index = Index(tmp_path / "idx")
    assert committed <= {pid for (pid,) in index.db.execute("SELECT passage_id FROM passages")}
    assert index.article_count() == 300 == index.passage_count() == index.vectors.count()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert "0 added" in again.stderr


def test_sigkill_mid_ingest_then_rerun_completes(tmp_path):
    proc, committed, cmd = _interrupted_run(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < len(committed) < 300, "the kill should land mid-run"
    _finish(tmp_path, cmd, committed)


def test_ctrl_c_mid_ingest_keeps_what_was_committed(tmp_path):
    proc, committed, cmd = _interrupted_run(tmp_path, signal.SIGINT)
    assert proc.returncode == 130
    assert "interrupted: everything committed so far is kept" in proc.stderr.read()
    assert 0 < len(committed) < 300, "the interrupt should land mid-run"
    _finish(tmp_path, cmd, committed)


REAPER = r"""
import ctypes, json, os, signal, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphaned workers come to this process
cmd = json.loads(sys.argv[1])
proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env={**os.environ, "TELUSUR_ENCODE_PROCESSES": "2"})

def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found

deadline = time.monotonic() + 240
while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
    time.sleep(0.1)
workers = children(proc.pid)
time.sleep(8)  # the workers load the model and start encoding
proc.kill()
proc.wait()
gone_at = None
start = time.monotonic()
while time.monotonic() - start < 20:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pid = 0
        if not pid:
            break
    if not [w for w in workers if w in children(os.getpid())]:
        gone_at = time.monotonic() - start
        break
    time.sleep(0.05)
print(json.dumps({"workers": len(workers), "gone_after_s": gone_at, "stderr": proc.stderr.read().decode()}))
"""


def test_sigkilled_ingest_takes_its_encoder_workers_along_quietly(tmp_path):
    dump = tmp_path / "arsip.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in _records(300)), encoding="utf-8")
    cmd = telusur("ingest", str(dump), "--index", str(tmp_path / "idx"), "--quiet")
    done = subprocess.run([sys.executable, "-c", REAPER, json.dumps(cmd)], capture_output=True, text=True,
                          timeout=400)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["workers"] >= 2, result  # two encoders (and the spawn context's resource tracker)
    assert result["gone_after_s"] is not None and result["gone_after_s"] < 5, result
    assert result["stderr"] == "", result["stderr"]  # no traceback, no warning: quiet
