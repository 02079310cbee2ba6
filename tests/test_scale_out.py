"""Scale-out: several app workers (gunicorn) share one Chroma server and map the same BM25 and vector files."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.servers import chroma_server, free_port, running, telusur

pytestmark = pytest.mark.server

QUERY = "panen cabai Kulon Progo"


def _search(base: str) -> dict:
    url = f"{base}/api/search?q={urllib.parse.quote(QUERY)}&k=3"
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def _mapped(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_two_gunicorn_workers_answer_from_one_chroma_server(tmp_path):
    with chroma_server(tmp_path / "chroma-data", log=tmp_path / "chroma.log") as (host, port):
        index = tmp_path / "idx"
        env = {"CHROMA_HOST": host, "CHROMA_PORT": str(port), "TELUSUR_INDEX": str(index)}
        done = subprocess.run(telusur("ingest", str(REPO / "corpus"), "--quiet"), env={**os.environ, **env},
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert not (index / "chroma").exists()  # the vectors live in the Chroma server
        app_port = free_port()
        base = f"http://127.0.0.1:{app_port}"
        log = tmp_path / "serve.log"
        cmd = telusur("serve", "--workers", "2", "--threads", "2", "--port", str(app_port))
        with running(cmd, f"{base}/healthz", env=env, log=log, timeout=180) as master:
            answered: set[int] = set()
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                for _ in range(10):  # bounded: rounds of 8 concurrent searches until both workers answered
                    for body in pool.map(lambda _: _search(base), range(8)):
                        top = body["results"][0]
                        assert "Kulon Progo" in top["title"] + top["passage"]
                    answered = {int(p) for p in re.findall(r'"GET /api/search[^"]*" 200 .* pid=<(\d+)>',
                                                            log.read_text())}
                    if len(answered) >= 2:
                        break
            workers = {int(p) for p in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()}
            assert len(workers) == 2 and answered == workers, (answered, workers, log.read_text()[-2000:])
            for pid in workers:  # each worker maps the same read-only BM25 and vector files
                maps = _mapped(pid)
                assert str(index / "lexical") in maps and str(index / "vectors" / "vectors.npy") in maps
