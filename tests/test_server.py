"""Real processes: the app on waitress, and the same code against a `chroma run` server."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from tests.conftest import REPO
from tests.servers import chroma_server, free_port, running, telusur

pytestmark = pytest.mark.server


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=120) as response:  # the first query waits for the warm-up
        return json.loads(response.read())


def test_serve_answers_over_http_on_waitress(demo_index, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(telusur("serve", "--index", str(demo_index.directory), "--port", str(port)), f"{base}/healthz",
                 log=tmp_path / "serve.log"):
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            assert response.headers["Server"] == "telusur"  # waitress ident, not Werkzeug
        q = urllib.parse.quote("panen cabai Kulon Progo")
        body = _get_json(f"{base}/api/search?q={q}&k=3")
        assert body["results"] and "Kulon Progo" in body["results"][0]["title"] + body["results"][0]["passage"]
        with urllib.request.urlopen(f"{base}/?q={q}", timeout=120) as response:
            assert "Kulon Progo" in response.read().decode()


def test_chroma_server_mode_ingests_and_searches(tmp_path):
    with chroma_server(tmp_path / "chroma-data", log=tmp_path / "chroma.log") as (host, port):
        env = {"CHROMA_HOST": host, "CHROMA_PORT": str(port), "TELUSUR_INDEX": str(tmp_path / "idx")}
        import subprocess

        done = subprocess.run(telusur("ingest", str(REPO / "corpus" / "artikel.jsonl"), "--quiet"),
                              env={**__import__("os").environ, **env}, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert not (tmp_path / "idx" / "chroma").exists()  # vectors went to the server, not a local store
        app_port = free_port()
        base = f"http://127.0.0.1:{app_port}"
        with running(telusur("serve", "--port", str(app_port)), f"{base}/healthz", env=env,
                     log=tmp_path / "serve.log"):
            body = _get_json(f"{base}/api/search?q=" + urllib.parse.quote("inovasi daerah") + "&mode=dense")
            assert body["results"]


def test_serve_listens_on_the_host_it_is_given(demo_index, tmp_path):
    port = free_port()
    cmd = telusur("serve", "--index", str(demo_index.directory), "--host", "127.0.0.2", "--port", str(port),
                  "--threads", "2")
    with running(cmd, f"http://127.0.0.2:{port}/healthz", log=tmp_path / "serve.log"):
        assert _get_json(f"http://127.0.0.2:{port}/healthz")["status"] == "ok"
        with pytest.raises(OSError):  # not on 127.0.0.1
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
