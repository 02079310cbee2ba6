"""The answer box (``/jawaban``) reuses the search the page just ran, and never a search of an older index."""

from __future__ import annotations

from ingest.pipeline import ingest_paths
from tests import tiny

QUESTION = "Berapa ton alpukat dipanen petani Wonosari?"


def test_the_answer_frame_reuses_the_pages_search_until_the_index_changes(tmp_path, embedder):
    index = tiny.build(tmp_path / "idx", embedder)
    client = tiny.client(index, embedder)
    memo = client.application.config["SEARCH_MEMO"]
    assert client.get("/", query_string={"q": QUESTION}).status_code == 200
    assert memo.hits == 0
    assert client.get("/jawaban", query_string={"q": QUESTION}).status_code == 200
    assert memo.hits == 1  # the page's search, not a second one
    assert client.get("/", query_string={"q": QUESTION, "mode": "dense"}).status_code == 200
    assert memo.hits == 1  # other parameters: another search

    more = tiny.write_jsonl(tmp_path / "more.jsonl", [tiny.long_record()])
    ingest_paths([more], index, embedder, show_progress=False, log=lambda line: None)
    page = client.get("/jawaban", query_string={"q": QUESTION})
    assert memo.hits == 1  # the index changed: searched again
    assert page.status_code == 200
    fresh = client.get("/api/search", query_string={"q": QUESTION, "answer": "0"}).get_json()
    assert "panjang-f" in {r["article_id"] for r in fresh["results"]}
    again = client.get("/", query_string={"q": QUESTION})
    assert memo.hits == 2 and "Catatan panen alpukat" in again.get_data(as_text=True)
