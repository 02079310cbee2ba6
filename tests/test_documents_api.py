"""POST /api/documents: token-protected writes, validated whole, searchable at once, durable, escaped."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import REPO

TOKEN = "rahasia-uji"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ARTICLE = {"id": "api-pesisir-barat-1", "title": "Pemkab Pesisir Barat Luncurkan Aplikasi Nelayan OmbakWeb",
           "text": "KRUI – Pemerintah Kabupaten Pesisir Barat meluncurkan aplikasi OmbakWeb untuk nelayan.\n\n"
                   "Aplikasi OmbakWeb memuat harga ikan harian di tempat pelelangan ikan Krui dan prakiraan cuaca "
                   "laut dari BMKG. Bupati Pesisir Barat berharap nelayan tidak lagi bergantung pada tengkulak.",
           "date": "2025-07-01", "source": "Kabar Lampung Hari Ini", "url": "https://kabarlampunghariini.example/lautku",
           "category": "Ekonomi"}


@pytest.fixture(scope="module")
def writable(tmp_path_factory, embedder):
    """A small index of its own (the shared demo index stays untouched), seeded with the JSONL demo file."""
    from ingest.pipeline import ingest_paths
    from ingest.store import Index

    directory = tmp_path_factory.mktemp("api-index")
    ingest_paths([REPO / "corpus" / "artikel.jsonl"], Index(directory), embedder, show_progress=False,
                 log=lambda line: None)
    return directory


def _app(directory, embedder, token=TOKEN, **config):
    from ingest.store import Index
    from search_app.app import create_app
    from search_app.search import Searcher

    return create_app({"SEARCHER": Searcher(Index(directory), embedder), "API_TOKEN": token, "TESTING": True,
                       **config})


@pytest.fixture()
def api(writable, embedder):
    return _app(writable, embedder).test_client()


def _count(client) -> int:
    return client.get("/healthz").get_json()["articles"]


def test_without_a_configured_token_the_endpoint_is_off(writable, embedder, monkeypatch):
    monkeypatch.delenv("TELUSUR_API_TOKEN", raising=False)
    client = _app(writable, embedder, token=None).test_client()
    response = client.post("/api/documents", json=ARTICLE, headers=AUTH)
    assert response.status_code == 403
    assert "TELUSUR_API_TOKEN" in response.get_json()["error"]
    monkeypatch.setenv("TELUSUR_API_TOKEN", "dari-lingkungan")
    response = client.post("/api/documents", json=[], headers={"Authorization": "Bearer dari-lingkungan"})
    assert response.status_code == 400 and "empty" in response.get_json()["error"]  # past the token check


def test_a_wrong_or_missing_token_is_401(api):
    for headers in ({}, {"Authorization": "Bearer salah"}, {"Authorization": f"Basic {TOKEN}"}):
        response = api.post("/api/documents", json=ARTICLE, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "token" in response.get_json()["error"].lower()


def test_an_id_given_twice_in_one_body_is_one_article_the_later_wins(api):
    first = {"id": "api-dua-kali", "title": "Judul pertama", "text": "Warga membangun jembatan bambu di Desa Contoh."}
    later = {**first, "title": "Judul yang kedua"}
    response = api.post("/api/documents", json=[first, later], headers=AUTH)
    assert response.status_code == 201 and response.get_json()["count"] == 1
    assert api.get("/api/artikel/api-dua-kali").get_json()["title"] == "Judul yang kedua"


def test_the_whole_body_is_validated_before_anything_is_written(api):
    before = _count(api)
    good = {**ARTICLE, "id": "api-valid-but-not-written"}
    for body, word in (([good, {"id": "x", "title": "Tanpa isi"}], "article 1"),
                       ([good, "teks"], "article 1"), ([good] * 51, "at most 50"),
                       ([{**good, "id": f"p{i}", "text": "Kata " * 3000} for i in range(25)], "too much text"),
                       ({"id": "x", "text": 42}, "text"), ({"id": "x", "text": "Isi.", "date": "kemarin"}, "date"),
                       ([], "empty"), ("string", "JSON object")):
        response = api.post("/api/documents", json=body, headers=AUTH)
        assert response.status_code == 400, body
        assert word in response.get_json()["error"], (body, response.get_json())
    response = api.post("/api/documents", data="{bukan json", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert _count(api) == before
    assert api.get("/api/artikel/api-valid-but-not-written").status_code == 404


def test_added_articles_are_searchable_at_once_then_updated(api):
    response = api.post("/api/documents", json=ARTICLE, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    stored = response.get_json()["articles"][0]
    assert stored["status"] == "added"
    assert stored["regions"] == ["Kabupaten Pesisir Barat", "Lampung"]
    for mode in ("bm25", "hybrid"):
        body = api.get("/api/search", query_string={"q": "aplikasi OmbakWeb nelayan Krui", "mode": mode}).get_json()
        assert body["results"][0]["article_id"] == ARTICLE["id"], mode
    again = api.post("/api/documents", json=ARTICLE, headers=AUTH)
    assert again.status_code == 200 and again.get_json()["articles"][0]["status"] == "unchanged"
    changed = {**ARTICLE, "title": ARTICLE["title"].replace("OmbakWeb", "PasangNet"),
               "text": ARTICLE["text"].replace("OmbakWeb", "PasangNet")}
    assert api.post("/api/documents", json=[changed], headers=AUTH).get_json()["articles"][0]["status"] == "updated"
    first = api.get("/api/search", query_string={"q": "aplikasi PasangNet", "mode": "bm25"}).get_json()["results"][0]
    assert first["article_id"] == ARTICLE["id"]
    stale = api.get("/api/search", query_string={"q": "OmbakWeb", "mode": "bm25"}).get_json()
    # no passage holds the old word any more: only the meaning step (issue 13) answers
    assert stale["match"] == "meaning"
    assert not any("OmbakWeb" in r["passage"] or "OmbakWeb" in r["title"] for r in stale["results"])


def test_documents_survive_a_restart_and_a_pruning_ingest(api, writable, embedder):
    from ingest.pipeline import ingest_paths
    from ingest.store import Index

    doc = {**ARTICLE, "id": "api-tahan-lama", "title": "Koperasi nelayan membuka gudang es",
           "text": "Sebuah koperasi nelayan di Tanggamus membuka gudang es. Nelayan Tanggamus menyambutnya."}
    assert api.post("/api/documents", json=doc, headers=AUTH).status_code == 201
    report = ingest_paths([REPO / "corpus" / "artikel.jsonl"], Index(writable), embedder, prune=True,
                          show_progress=False, log=lambda line: None)
    assert report.articles_removed == 0  # an API document has no file to be pruned for
    restarted = _app(writable, embedder).test_client()  # a new app over the same directory
    body = restarted.get("/api/artikel/api-tahan-lama").get_json()
    assert body["text"] == doc["text"] and body["regions"] == ["Kabupaten Tanggamus", "Lampung"]
    hits = restarted.get("/api/search", query_string={"q": "gudang es koperasi nelayan", "mode": "bm25"})
    assert hits.get_json()["results"][0]["article_id"] == "api-tahan-lama"


def test_concurrent_writers_are_serialised(api):
    before = _count(api)
    docs = [{**ARTICLE, "id": f"api-paralel-{n}", "title": f"Berita paralel {n}",
             "text": f"Berita paralel nomor {n} tentang irigasi sawah di Pringsewu, ditulis bersamaan."}
            for n in range(4)]
    statuses: list[int] = []

    def post(doc):
        statuses.append(api.post("/api/documents", json=doc, headers=AUTH).status_code)

    threads = [threading.Thread(target=post, args=(d,)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert statuses == [201] * 4
    assert _count(api) == before + 4
    body = api.get("/api/search", query_string={"q": "berita paralel irigasi", "mode": "bm25", "k": 20}).get_json()
    assert {r["article_id"] for r in body["results"]} >= {d["id"] for d in docs}


def test_a_busy_index_answers_503(writable, embedder):
    from ingest.store import Index

    client = _app(writable, embedder, WRITE_LOCK_TIMEOUT=0.3).test_client()
    with Index(writable).writing():
        response = client.post("/api/documents", json={**ARTICLE, "id": "api-sibuk"}, headers=AUTH)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
    assert "coba lagi" in response.get_json()["error"]


def test_script_payloads_in_articles_are_escaped_everywhere(api):
    evil = {"id": "api-xss", "title": "<script>alert('judul')</script> Bupati Tanggamus",
            "text": "Bupati Tanggamus <img src=x onerror=alert(1)> menulis <b>tebal</b> tentang "
                    "</mark><script>alert(2)</script> jembatan gantung Tanggamus.",
            "source": "<i>Media</i>", "url": "javascript:alert(3)", "category": "Daerah"}
    assert api.post("/api/documents", json=evil, headers=AUTH).status_code == 201
    page = api.get("/", query_string={"q": "jembatan gantung Tanggamus"}).get_data(as_text=True)
    article = api.get("/artikel/api-xss", query_string={"q": "jembatan"}).get_data(as_text=True)
    feed = api.get("/feed", query_string={"q": "jembatan gantung Tanggamus"}).get_data(as_text=True)
    for html in (page, article, feed):
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>tebal" not in html
    assert "&lt;script&gt;alert(&#39;judul&#39;)" in page or "&lt;script&gt;alert(&#39;judul&#39;)" in article
    assert 'href="javascript:' not in page and 'href="javascript:' not in article


def test_oversized_bodies_are_refused(api):
    response = api.post("/api/documents", data=b"[" + b" " * (33 * 1024 * 1024) + b"]",
                        headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["status"] == 413


def test_response_counts_articles_and_names_their_wire_cluster(api):
    first = {**ARTICLE, "id": "api-kopi-1", "author": "Rina Wulandari", "date": "2025-07-02",
             "title": "Petani kopi Way Tenong memakai pengering tenaga surya",
             "text": "WAY TENONG – " + " ".join(f"Kelompok tani kopi nomor {n} di Way Tenong kini mengeringkan biji "
                                                 f"kopi dengan rumah pengering tenaga surya bantuan desa."
                                                 for n in range(12))}
    copy = {**first, "id": "api-kopi-2", "date": "2025-07-03", "source": "Suara Nusantara Pos",
            "title": "Rumah pengering surya untuk petani kopi", "text": first["text"].replace("WAY TENONG –", "LIWA –")}
    response = api.post("/api/documents", json=[first, copy], headers=AUTH)
    assert response.status_code == 201
    body = response.get_json()
    assert body["count"] == 2 and [a["id"] for a in body["articles"]] == ["api-kopi-1", "api-kopi-2"]
    assert [a["cluster_id"] for a in body["articles"]] == ["api-kopi-1", "api-kopi-1"]  # the copy joins the first
    stored = api.get("/api/artikel/api-kopi-1").get_json()
    assert stored["author"] == "Rina Wulandari" and stored["cluster_id"] == "api-kopi-1"
    assert [c["article_id"] for c in stored["also_published"]] == ["api-kopi-2"]


def test_a_writer_waits_for_the_lock_up_to_30_seconds(writable, embedder):
    from ingest.store import Index

    app = _app(writable, embedder)
    assert app.config["WRITE_LOCK_TIMEOUT"] == 30
    held = threading.Event()

    def hold() -> None:
        with Index(writable).writing():
            held.set()
            threading.Event().wait(3)  # another writer, busy for a few seconds

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    response = app.test_client().post("/api/documents", json={**ARTICLE, "id": "api-menunggu"}, headers=AUTH)
    holder.join()
    assert response.status_code == 201  # it waited its turn instead of answering 503


def test_each_article_is_written_whole_or_not_at_all(writable, embedder, monkeypatch):
    from ingest import store

    client = _app(writable, embedder).test_client()
    link = store.wire.link

    def failing_link(db, article_id, text):
        if article_id == "api-gagal":
            raise OSError("disk full (injected)")
        return link(db, article_id, text)

    monkeypatch.setattr(store.wire, "link", failing_link)
    ok = {**ARTICLE, "id": "api-utuh", "text": "Gudang beras Bulog di Metro menambah stok beras medium."}
    bad = {**ARTICLE, "id": "api-gagal", "text": "Pasar ikan Lempasing direnovasi dengan atap baru."}
    assert client.post("/api/documents", json=[ok, bad], headers=AUTH).status_code == 500
    monkeypatch.undo()
    index = client.application.config["SEARCHER"].index
    assert index.article("api-gagal") is None and index.passage_ids_of("api-gagal") == []
    assert index.passage_ids_of("api-utuh") and index.article("api-utuh") is None  # committed, not yet published
    client.get("/api/search", query_string={"q": "stok beras Bulog"})  # the next reader publishes it
    assert index.article("api-utuh") is not None
