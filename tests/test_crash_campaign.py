"""The crash campaign, reduced for CI: 8 SIGKILLs of `telusur ingest` spread over its stages (one per stage:
read, embed, Chroma write, ledger commit, prune, BM25 rebuild, vector-table rebuild, publish), each followed by
`telusur check` and the same ingest again, and one SIGKILL of `telusur serve` during `POST /api/documents`.
The full campaign (>= 50 kills, real articles) is `scripts/crash_campaign.py`; its figures: docs/reliability.md."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.server


def test_eight_kills_each_end_with_a_clean_check_and_the_uninterrupted_result(tmp_path):
    out = tmp_path / "campaign.json"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "crash_campaign.py"), "--generated",
                           "--articles", "36", "--kills", "8", "--server-kills", "1", "--search-every", "0",
                           "--seed", "3", "--work", str(tmp_path / "work"), "--json", str(out)],
                          capture_output=True, text=True, timeout=1500, cwd=REPO)
    assert out.exists(), done.stdout + done.stderr
    record = json.loads(out.read_text())
    summary, rounds = record["summary"], record["rounds"]
    failed = [r for r in rounds if not r["clean"]]
    assert not failed, json.dumps(failed, indent=1)
    assert summary["kills"] >= 8 and summary["missing"] == summary["extra"] == summary["duplicates"] == 0
    assert summary["checks_clean_after_kill"] == len(rounds)
    assert len({r["landed"] for r in rounds if r["killed"]} & {"read", "embed", "chroma", "ledger", "prune",
                                                                 "lexical", "vectors", "publish"}) >= 5, rounds
    last = rounds[-1]
    assert last["searched"] and last["results_equal"], last  # searches equal the uninterrupted ingest's
    server = record["server"]
    assert server and all(s["check_ok"] and s["duplicates"] == 0 for s in server), server
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
