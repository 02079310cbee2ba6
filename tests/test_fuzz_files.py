"""Mutated files of every format through `telusur ingest` (the bounded CI version of scripts/fuzz_files.py):
no traceback, no hang, one line per bad file (per bad record of a dump), what was indexed before still found."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO))
from scripts import fuzz_files  # noqa: E402

FILES = 100
SEED = 2026
BATCH_BOUND = 900  # seconds: far above what 100 small files take; past it the batch counts as a hang


@pytest.mark.server
def test_mutated_files_of_every_format_get_one_line_each_and_nothing_is_lost(tmp_path):
    originals = fuzz_files.make_originals(tmp_path / "asli")
    index = tmp_path / "index"
    first = fuzz_files.ingest_batch(tmp_path / "asli", index, file_seconds=20, bound=BATCH_BOUND)
    assert first["returncode"] == 0 and not first["stray_lines"], first
    mutants = fuzz_files.make_mutants(originals, tmp_path / "mutan", FILES, SEED, batch_size=FILES)
    assert {fmt for _, fmt, _ in mutants} == set(fuzz_files.FORMATS)
    assert {m for _, _, m in mutants} == set(fuzz_files.MUTATIONS)
    batch = fuzz_files.ingest_batch(tmp_path / "mutan" / "batch-000", index, file_seconds=20, bound=BATCH_BOUND)
    assert not batch["hang"], batch
    assert batch["returncode"] in (0, 1) and batch["tracebacks"] == 0, batch
    assert not batch["files_with_several_lines"] and not batch["stray_lines"], batch
    assert batch["skip_lines"] >= FILES // 2, batch  # most mutants are refused, each with its line
    assert fuzz_files.index_answers(index)


def test_the_judge_flags_tracebacks_repeated_lines_and_stray_output(tmp_path):
    stderr = ("skipped: /x/m00001-bit_flips.pdf: damaged PDF\nskipped: /x/m00001-bit_flips.pdf: again\n"
              "skipped: /x/m00002-truncation.jsonl:3: not JSON\nskipped: /x/m00002-truncation.jsonl:4: not JSON\n"
              "Traceback (most recent call last):\nUserWarning: something\n"
              "2 input(s) skipped (listed above); exit status 1\n")
    verdict = fuzz_files.judge(tmp_path, 1, stderr, 1.0)
    assert verdict["files_with_several_lines"] == ["m00001-bit_flips.pdf"]  # a dump's records may each have one
    assert verdict["tracebacks"] == 1 and verdict["stray_lines"] == ["Traceback (most recent call last):",
                                                                      "UserWarning: something"]


def test_a_page_nested_fifty_thousand_deep_is_one_skip_line(tmp_path):
    """Found by scripts/fuzz_files.py: cleaning such a page took tens of minutes (bs4 looked ``decomposed`` up as
    a child tag, a subtree search per tag). The bound below only stops a hang; the fix takes seconds."""
    import subprocess

    page = tmp_path / "dalam.html"
    page.write_bytes(b"<html><body><p>Warga desa menanam padi.</p>" + b"<div>" * 50_000 + b"isi"
                     + b"</div>" * 50_000 + b"</body></html>")
    run = subprocess.run([sys.executable, "-m", "search_app.cli", "ingest", str(page), "--index",
                          str(tmp_path / "index"), "--quiet"], capture_output=True, text=True, timeout=600, cwd=REPO)
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert [line for line in lines if line.startswith("skipped:")] == [f"skipped: {page}: HTML nested too deeply "
                                                                        "to parse"]
