"""The Flask app through its test client, over an index of the demo corpus."""

from __future__ import annotations

import sqlite3

from tests.conftest import REPO


def test_healthz_counts_the_index(client, demo_index):
    corpus = REPO / "corpus"
    files = [p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".md"]  # one article per file or line
    articles = sum(len(p.read_text(encoding="utf-8").splitlines()) if p.suffix == ".jsonl" else 1 for p in files)
    with sqlite3.connect(demo_index.db_path) as db:
        passages = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    assert passages > articles > 30
    assert client.get("/healthz").get_json() == {"status": "ok", "articles": articles, "passages": passages}


def test_api_search_returns_the_contract(client):
    body = client.get("/api/search", query_string={"q": "izin usaha mikro Sumedang", "k": 5}).get_json()
    assert body["query"] == "izin usaha mikro Sumedang"
    assert 1 <= len(body["results"]) <= 5
    first = body["results"][0]
    for key in ("rank", "score", "article_id", "title", "date", "source", "url", "category", "passage",
                "passage_html", "answer"):
        assert key in first
    assert first["rank"] == 1
    assert "sumedang" in (first["title"] + first["passage"]).lower()
    assert "<mark>" in first["passage_html"]
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_api_modes_are_selectable(client):
    for mode in ("dense", "bm25", "hybrid"):
        body = client.get("/api/search", query_string={"q": "banjir Padang", "mode": mode}).get_json()
        assert body["mode"] == mode
        assert body["results"], mode


def test_bad_parameters_get_a_clear_400(client):
    for params, word in (({"q": "x", "k": "0"}, "k"), ({"q": "x", "k": "abc"}, "k"),
                         ({"q": "x", "page": "100000"}, "page"), ({"q": "x" * 5001}, "q"),
                         ({"q": "x", "mode": "magic"}, "mode"), ({"q": "x", "date_from": "2024-13-01"}, "date_from"),
                         ({"q": "x", "page": ""}, "page"), ({"q": "x", "k": " "}, "k"), ({"source": ""}, "source"),
                         ({"q": "x", "sort": ""}, "sort"), ({"region": "null"}, "region"),
                         ({"region": "Kabupaten Atlantis"}, "region")):
        response = client.get("/api/search", query_string=params)
        assert response.status_code == 400, params
        assert word in response.get_json()["error"]
        assert response.get_json()["status"] == 400


def test_no_query_and_no_filter_lists_the_newest_articles(client):
    body = client.get("/api/search", query_string={"k": 5}).get_json()
    dates = [r["date"] for r in body["results"]]
    assert len(dates) == 5 and dates == sorted(dates, reverse=True)
    everything = client.get("/api/search", query_string={"k": 500}).get_json()["results"]
    copies = sum(len(r["also_published"]) for r in everything)  # wire copies are grouped under their first
    assert body["total"] == len(everything) == client.get("/healthz").get_json()["articles"] - copies


def test_a_date_range_given_backwards_is_the_same_range(client):
    ahead = client.get("/api/search", query_string={"q": "inovasi", "date_from": "2023-01-01",
                                                    "date_to": "2024-12-31"}).get_json()
    backwards = client.get("/api/search", query_string={"q": "inovasi", "date_from": "2024-12-31",
                                                        "date_to": "2023-01-01"}).get_json()
    assert ahead["results"] and backwards["results"] == ahead["results"]


def test_a_wrong_method_gets_405_with_allow(client):
    for method, path, allowed in (("delete", "/api/search", {"GET", "HEAD", "OPTIONS"}),
                                  ("get", "/api/documents", {"POST", "OPTIONS"}),
                                  ("put", "/healthz", {"GET", "HEAD", "OPTIONS"})):
        response = getattr(client, method)(path)
        assert response.status_code == 405
        assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed


def test_search_page_escapes_user_text_and_sets_security_headers(client):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    response = client.get("/", query_string={"q": payload})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def test_search_page_lists_ranked_excerpts_with_links(client):
    query = "Berapa skor indeks inovasi Lampung Barat pada IGA 2024?"
    html = client.get("/", query_string={"q": query}).get_data(as_text=True)
    first = client.get("/api/search", query_string={"q": query}).get_json()["results"][0]
    assert 'class="result"' in html
    assert "<mark" in html
    assert f'href="/artikel/{first["article_id"]}' in html
    year, month, day = (int(x) for x in first["date"][:10].split("-"))
    assert f"{day} {BULAN[month - 1]} {year}" in html.split('class="result"')[1]  # the first result's date


def test_home_page_shows_examples(client):
    html = client.get("/").get_data(as_text=True)
    assert "Contoh pertanyaan" in html
    assert 'role="search"' in html


def test_article_page_marks_the_matched_passage(client):
    first = client.get("/api/search", query_string={"q": "banjir Padang mengungsi"}).get_json()["results"][0]
    html = client.get(f"/artikel/{first['article_id']}", query_string={"p": first["passage_id"]}).get_data(
        as_text=True)
    assert first["title"].split()[0] in html
    assert 'class="matched"' in html and 'id="cocok"' in html


def test_unknown_article_is_404_page(client):
    response = client.get("/artikel/tidak-ada")
    assert response.status_code == 404
    assert "tidak ditemukan" in response.get_data(as_text=True)


def _demo_article(demo_index, title_start: str):
    return next(r for r in demo_index.db.execute("SELECT * FROM articles") if r["title"].startswith(title_start))


def test_article_page_shows_metadata_copies_and_related_articles(client, demo_index):
    snp = _demo_article(demo_index, "Disdukcapil Tanggamus Jemput Bola")
    original = _demo_article(demo_index, "Tanggamus Luncurkan SiPANDU")
    html = client.get(f"/artikel/{snp['article_id']}", query_string={"q": "SiPANDU"}).get_data(as_text=True)
    assert "13 Februari 2024" in html and "Suara Nusantara Pos" in html and "Kab. Tanggamus" in html
    assert 'href="https://suaranusantarapos.example/' in html  # the original URL
    copies = html.split("Berita yang sama juga dimuat oleh")[1].split("</aside>")[0]
    assert f'/artikel/{original["article_id"]}' in copies and "12 Februari 2024" in copies
    related = html.split("Artikel terkait")[1]
    assert related.count('<li>') == 5
    assert snp["article_id"] not in related and original["article_id"] not in related
    assert "<mark>SiPANDU</mark>" not in html.split('class="body"')[0]  # words marked in the matched text only


def test_article_api_returns_text_regions_copies_and_related(client, demo_index):
    original = _demo_article(demo_index, "Banyuwangi Luncurkan Desa Melayani")
    body = client.get(f"/api/artikel/{original['article_id']}").get_json()
    assert body["text"] == original["text"] and body["regions"] == ["Kabupaten Banyuwangi", "Jawa Timur"]
    assert [c["article_id"] for c in body["also_published"]] == ["snp-2024-0906-banyuwangi-surat-daring"]
    assert len(body["related"]) == 5
    scores = [r["score"] for r in body["related"]]
    assert scores == sorted(scores, reverse=True)
    assert original["article_id"] not in {r["article_id"] for r in body["related"]}
    assert "snp-2024-0906-banyuwangi-surat-daring" not in {r["article_id"] for r in body["related"]}
    missing = client.get("/api/artikel/tidak-ada")
    assert missing.status_code == 404 and "tidak ditemukan" in missing.get_json()["error"]


def test_no_stack_trace_reaches_a_user(tmp_path):
    from search_app.app import create_app

    broken = tmp_path / "bukan-folder"
    broken.write_text("x")  # an index path that is a file: opening the index fails inside the request
    client = create_app({"INDEX": str(broken)}).test_client()
    for path in ("/?q=banjir", "/api/search?q=banjir"):
        response = client.get(path)
        text = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "Traceback" not in text and "File \"" not in text and str(broken) not in text
        assert "Terjadi kesalahan di server" in text
