"""A full disk during `telusur ingest`: one clear line and exit 1, nothing committed is lost, `check` is clean
once space is freed, and the next ingest completes. The index lives on a small tmpfs the test mounts (root)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess

import pytest

from tests.servers import telusur

pytestmark = pytest.mark.server


@pytest.fixture()
def small_disk(tmp_path):
    mount = tmp_path / "kecil"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


SENTENCE = "Kalimat ke-{j} tentang pembangunan desa {i} dan program warga nomor {j}."


def _records(start: int, n: int) -> list[dict]:
    return [{"id": f"d{i}", "title": f"Kabar desa nomor {i}",
             "text": " ".join(SENTENCE.format(i=i, j=j) for j in range(40)),
             "date": "2024-03-01", "source": "Uji", "category": "Daerah"} for i in range(start, start + n)]


def _articles(index) -> tuple[int, int]:
    with sqlite3.connect(index / "articles.sqlite") as db:
        return db.execute("SELECT COUNT(*), COALESCE(SUM(published), 0) FROM articles").fetchone()


def test_ingest_into_a_full_disk_says_so_and_the_next_ingest_completes(tmp_path, small_disk):
    env = {**os.environ, "TELUSUR_EMBED_CACHE": str(tmp_path / "cache.sqlite"), "TELUSUR_BATCH": "16",
           "TELUSUR_ENCODE_PROCESSES": "1"}
    index = small_disk / "idx"
    seed, more = tmp_path / "awal.jsonl", tmp_path / "lagi.jsonl"
    seed.write_text("".join(json.dumps(r) + "\n" for r in _records(0, 10)), encoding="utf-8")
    more.write_text("".join(json.dumps(r) + "\n" for r in _records(10, 40)), encoding="utf-8")

    def run(*args):
        return subprocess.run(telusur(*args), env=env, capture_output=True, text=True, timeout=900)

    assert run("ingest", str(seed), "--index", str(index), "--quiet").returncode == 0
    filler = small_disk / "pengisi"
    free = shutil.disk_usage(small_disk).free
    subprocess.run(["fallocate", "-l", str(free - 300 * 1024), str(filler)], check=True)

    full = run("ingest", str(more), "--index", str(index), "--quiet")
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr, full.stderr
    errors = [line for line in full.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"the disk holding {index} is full" in errors[0], full.stderr
    assert _articles(index)[1] >= 10  # what was published before is still there

    while_full = run("check", "--index", str(index))
    assert "Traceback" not in while_full.stderr, while_full.stderr
    assert while_full.returncode == 0 or "the disk is full" in while_full.stdout, while_full.stdout

    filler.unlink()  # space freed: the check publishes what was committed and finds every store in step
    freed = run("check", "--index", str(index))
    assert freed.returncode == 0, freed.stdout + freed.stderr
    committed, published = _articles(index)
    assert committed == published >= 10

    again = run("ingest", str(more), "--index", str(index), "--quiet")
    assert again.returncode == 0, again.stderr
    assert _articles(index) == (50, 50)
    assert run("check", "--index", str(index)).returncode == 0
