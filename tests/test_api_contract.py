"""README promises of the JSON API and the page: limits, error bodies, export, snippets, feed, year facets."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
import sqlite3
import time
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"


def test_errors_are_json_with_error_and_status(client):
    for method, path, params, status in (("get", "/api/search", {"q": "x", "k": "0"}, 400),
                                         ("get", "/api/search", {"page": ""}, 400),
                                         ("get", "/api/artikel/tidak-ada", {}, 404),
                                         ("post", "/api/search", {"q": "x"}, 405)):
        response = getattr(client, method)(path, query_string=params)
        body = response.get_json()
        assert response.status_code == status, path
        assert set(body) == {"error", "status"} and body["status"] == status and body["error"], body


def test_page_allows_50_results_per_page_the_api_500(client):
    assert client.get("/", query_string={"q": "inovasi", "k": 51}).status_code == 400
    page = client.get("/", query_string={"q": "inovasi", "k": 50})
    assert page.status_code == 200
    assert 10 < page.get_data(as_text=True).count('class="result"') <= 50
    assert client.get("/api/search", query_string={"q": "inovasi", "k": 500}).status_code == 200
    assert client.get("/api/search", query_string={"q": "inovasi", "k": 501}).status_code == 400


def test_unduh_csv_exports_the_whole_result_set(client):
    html = client.get("/", query_string={"q": "inovasi"}).get_data(as_text=True)
    link = htmllib.unescape(re.search(r'href="([^"]+)" download>Unduh CSV', html).group(1))
    assert "k=500" in link
    total = client.get("/api/search", query_string={"q": "inovasi"}).get_json()["total"]
    assert total > 10  # more than one page of the page's default size
    text = client.get(link).get_data(as_text=True).lstrip("\ufeff")
    assert len(list(csv.DictReader(io.StringIO(text)))) == total


def _plain(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("…", "").strip()


def test_snippet_html_is_a_marked_window_around_the_answer(client):
    body = client.get("/api/search", query_string={"q": "Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?",
                                                   "k": 20}).get_json()
    assert any(r["snippet_html"].startswith("… ") or r["snippet_html"].endswith(" …") for r in body["results"])
    for r in body["results"]:
        snippet, passage = r["snippet_html"], r["passage"]
        window = _plain(snippet)
        assert window and window in passage, r["passage_id"]
        start = passage.index(window)
        assert snippet.startswith("… ") == (start > 0)
        assert snippet.endswith(" …") == bool(passage[start + len(window):].strip())
        if r["answer"]:
            assert '<mark class="answer">' in snippet and r["answer"] in window
        assert "<mark>" in snippet or "<mark>" not in r["passage_html"]


def test_more_from_article_counts_the_passages_held_back(tmp_path, embedder):
    from search_app.search import Searcher
    from tests import tiny

    rows = [*tiny.records(), tiny.long_record()]
    searcher = Searcher(tiny.build(tmp_path / "idx", embedder, rows), embedder)
    one = searcher.search("panen alpukat", mode="bm25", k=50, per_article=1).results
    every = searcher.search("panen alpukat", mode="bm25", k=500, per_article=1000).results
    per_article: dict[str, int] = {}
    for r in every:
        per_article[r.article_id] = per_article.get(r.article_id, 0) + 1
    assert per_article["panjang-f"] >= 3
    assert {r.article_id: r.more_from_article for r in one} == {a: n - 1 for a, n in per_article.items()}


def test_feed_lists_the_20_newest_matching_stories(client, demo_index):
    feed = ET.fromstring(client.get("/feed", query_string={"date_from": "2000-01-01"}).data)
    shown = [e.findtext(f"{ATOM}updated")[:10] for e in feed.findall(f"{ATOM}entry")]
    with sqlite3.connect(demo_index.db_path) as db:
        leads = db.execute("SELECT MIN(substr(date, 1, 10)) FROM articles GROUP BY COALESCE(cluster_id, article_id)"
                           ).fetchall()
    stories = sorted((d for (d,) in leads), reverse=True)
    assert len(stories) > 20 and len(shown) == 20
    assert sorted(shown, reverse=True) == stories[:20]


def test_feed_follows_date_from(client):
    def dates(**params) -> list[str]:
        feed = ET.fromstring(client.get("/feed", query_string={"q": "inovasi", **params}).data)
        return [e.findtext(f"{ATOM}updated")[:10] for e in feed.findall(f"{ATOM}entry")]

    assert min(dates()) < "2024-06-01"
    later = dates(date_from="2024-06-01")
    assert later and min(later) >= "2024-06-01"


def test_year_facets_carry_that_years_date_range(client):
    years = client.get("/api/search", query_string={"q": "inovasi"}).get_json()["facets"]["year"]
    assert len(years) >= 2
    for entry in years:
        year = entry["value"]
        assert (entry["date_from"], entry["date_to"]) == (f"{year}-01-01", f"{year}-12-31")
        body = client.get("/api/search", query_string={"q": "inovasi", "k": 500, "date_from": entry["date_from"],
                                                       "date_to": entry["date_to"]}).get_json()
        assert body["results"] and all(r["date"][:4] == year for r in body["results"])
        again = next(e for e in body["facets"]["year"] if e["value"] == year)
        assert again["selected"] and again["count"] == entry["count"]


def test_healthz_answers_before_the_model_is_loaded_and_warm_up_loads_it(demo_index):
    from search_app.serving import make_app

    cold = make_app(str(demo_index.directory), warm=False)
    assert cold.test_client().get("/healthz").get_json()["articles"] > 30
    assert not cold.config["SEARCHER"].embedder.loaded  # /healthz did not need the model
    warm = make_app(str(demo_index.directory))
    assert warm.test_client().get("/healthz").status_code == 200
    deadline = time.monotonic() + 180
    while not warm.config["SEARCHER"].embedder.loaded and time.monotonic() < deadline:
        time.sleep(0.2)
    assert warm.config["SEARCHER"].embedder.loaded  # loaded in the background, no request asked
    reader = warm.config["READER"]
    while reader.available and not reader.loaded and time.monotonic() < deadline:
        time.sleep(0.2)
    assert reader.loaded or not reader.available  # and the answer box's reader after it
    assert not cold.config["READER"].loaded
