"""Readers never see an article that half the stores lack: committed articles are published only when BM25 and
the vector table hold them, and what a killed writer committed is published by the next reader or writer."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from ingest.formats.dumps import record_to_article
from ingest.pipeline import Ingester
from ingest.store import Index
from search_app.app import create_app
from search_app.search import Searcher
from tests.servers import telusur


def _record(i: int) -> dict:
    return {"id": f"c{i}", "title": f"Program desa nomor {i}",
            "text": f"Pemerintah desa meresmikan program kodeunik{i} dengan anggaran {i * 7} juta rupiah. "
                    f"Warga dusun {i} menyambut baik program itu dan berharap berlanjut tahun depan.",
            "date": "2024-02-01", "source": "Uji", "category": "Daerah"}


def _found(searcher: Searcher, word: str, mode: str) -> set[str]:
    response = searcher.search(word, k=10, mode=mode, require_match=True)
    return {r.article_id for r in response.results}


def test_committed_articles_stay_invisible_until_the_stores_are_in_step(tmp_path, embedder):
    index = Index(tmp_path / "idx")
    searcher = Searcher(index, embedder)
    with index.writing():
        first = Ingester(index, embedder)
        first.add(record_to_article(_record(0), "t", "t"))
        first.finish()
    assert _found(searcher, "kodeunik0", "hybrid") == {"c0"}
    with index.writing():
        ingester = Ingester(index, embedder)
        ingester.add(record_to_article(_record(1), "t", "t"))
        ingester.flush()  # committed to the ledger and Chroma, BM25 and the vector table not yet rebuilt
        assert index.has_unpublished()
        client = create_app({"SEARCHER": searcher, "TESTING": True}).test_client()
        assert client.get("/healthz").get_json()["articles"] == 1
        assert client.get("/api/artikel/c1").status_code == 404
        for mode in ("dense", "bm25", "hybrid"):
            assert "c1" not in _found(searcher, "kodeunik1", mode), mode
        ingester.finish()
    assert not index.has_unpublished()
    assert client.get("/healthz").get_json()["articles"] == 2
    for mode in ("dense", "bm25", "hybrid"):
        assert "c1" in _found(searcher, "kodeunik1", mode), mode


def _articles(db) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.server
def test_a_killed_ingest_is_published_whole_by_the_next_reader(tmp_path, embedder):
    dump = tmp_path / "arsip.jsonl"
    dump.write_text("".join(json.dumps(_record(i)) + "\n" for i in range(200)), encoding="utf-8")
    idx = tmp_path / "idx"
    proc = subprocess.Popen(telusur("ingest", str(dump), "--index", str(idx), "--quiet"),
                            env={**os.environ, "TELUSUR_BATCH": "32"}, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while _articles(idx / "articles.sqlite") == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)  # right after a commit: the derived stores lack what it committed
    proc.wait()
    committed = _articles(idx / "articles.sqlite")
    assert 0 < committed < 200, "the kill should land mid-run"
    index = Index(idx)
    assert index.has_unpublished() and index.article_count() == 0
    searcher = Searcher(index, embedder)  # the next reader
    client = create_app({"SEARCHER": searcher, "TESTING": True}).test_client()
    first = client.get("/api/search", query_string={"q": "kodeunik0"}).get_json()
    assert first["results"] and first["results"][0]["article_id"] == "c0"
    assert not index.has_unpublished()
    health = client.get("/healthz").get_json()
    assert health["articles"] == committed == health["passages"]
    for i in (0, committed - 1):
        for mode in ("dense", "bm25", "hybrid"):
            assert f"c{i}" in _found(searcher, f"kodeunik{i}", mode), (i, mode)
