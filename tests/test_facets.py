"""Filters with counts: outlet, category, region and date facets, sort, paging, the filter-only listing."""

from __future__ import annotations

import re

from search_app.search import Filters

LAMBAR = "Kabupaten Lampung Barat"


def _api(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _facet(body, name) -> dict[str, int]:
    return {e["value"]: e["count"] for e in body["facets"][name]}


def _articles(searcher, query, filters, mode="bm25") -> set[str]:
    response = searcher.search(query, k=500, mode=mode, filters=filters, per_article=1)
    return {r.article_id for r in response.results}


def test_facet_counts_are_distinct_articles_of_the_pool(client, searcher):
    body = _api(client, q="inovasi daerah", mode="bm25")
    for outlet, count in _facet(body, "source").items():
        assert count == len(_articles(searcher, "inovasi daerah", Filters(sources=[outlet]))), outlet
    for region, count in _facet(body, "region").items():
        assert count == len(_articles(searcher, "inovasi daerah", Filters(regions=[region]))), region
    years = {e["value"]: e["count"] for e in body["facets"]["year"]}
    assert years["2024"] == len(_articles(searcher, "inovasi daerah", Filters(date_from="2024-01-01",
                                                                                date_to="2024-12-31")))


def test_counts_follow_the_query(client):
    flood = _facet(_api(client, q="banjir", mode="bm25"), "category")
    coffee = _facet(_api(client, q="kopi", mode="bm25"), "category")
    assert flood != coffee
    assert flood.get("Daerah", 0) > coffee.get("Daerah", 0)


def test_each_facet_ignores_its_own_filter_but_not_the_others(client):
    base = _api(client, q="inovasi", mode="bm25")
    one = _api(client, q="inovasi", mode="bm25", source="Warta Daerah")
    assert _facet(one, "source") == _facet(base, "source")  # still shows the other outlets, same counts
    assert sum(_facet(one, "category").values()) == _facet(base, "source")["Warta Daerah"]
    selected = [e for e in one["facets"]["source"] if e["selected"]]
    assert [e["value"] for e in selected] == ["Warta Daerah"]


def test_values_of_a_facet_combine_with_or_and_facets_with_and(client):
    both = _api(client, q="inovasi", mode="bm25", k=100, source=["Warta Daerah", "Kabar Lampung Hari Ini"])
    outlets = {r["source"] for r in both["results"]}
    assert outlets == {"Warta Daerah", "Kabar Lampung Hari Ini"}
    narrowed = _api(client, q="inovasi", mode="bm25", k=100, source=["Warta Daerah", "Kabar Lampung Hari Ini"],
                    region=LAMBAR)
    assert narrowed["results"]
    assert all(r["source"] == "Kabar Lampung Hari Ini" and LAMBAR in r["regions"] for r in narrowed["results"])


def test_region_filter_by_kabupaten_or_its_provinsi(client):
    kab = _api(client, q="inovasi", k=100, region=LAMBAR)
    prov = _api(client, q="inovasi", k=100, region="Lampung")
    assert kab["results"] and all(LAMBAR in r["regions"] for r in kab["results"])
    assert {r["article_id"] for r in kab["results"]} < {r["article_id"] for r in prov["results"]}
    entry = next(e for e in kab["facets"]["region"] if e["value"] == LAMBAR)
    assert entry == {**entry, "label": "Kab. Lampung Barat", "kind": "kabupaten", "province": "Lampung",
                     "selected": True}


def test_date_range_filter(client):
    body = _api(client, q="inovasi", k=100, date_from="2024-01-01", date_to="2024-06-30")
    assert body["results"]
    assert all("2024-01-01" <= r["date"][:10] <= "2024-06-30" for r in body["results"])
    year = next(e for e in _api(client, q="inovasi", date_from="2024-01-01", date_to="2024-12-31")["facets"]["year"]
                if e["value"] == "2024")
    assert year["selected"]


def test_sort_by_date_both_ways(client):
    newest = [r["date"][:10] for r in _api(client, q="inovasi daerah", k=30, sort="newest")["results"]]
    oldest = [r["date"][:10] for r in _api(client, q="inovasi daerah", k=30, sort="oldest")["results"]]
    assert newest == sorted(newest, reverse=True) and len(newest) > 5
    assert oldest == sorted(oldest)
    assert newest[0] > oldest[0]


def test_pages_continue_the_ranking(client):
    one = _api(client, q="inovasi daerah", k=5, page=1)
    two = _api(client, q="inovasi daerah", k=5, page=2)
    assert [r["rank"] for r in two["results"]] == [6, 7, 8, 9, 10]
    assert not {r["passage_id"] for r in one["results"]} & {r["passage_id"] for r in two["results"]}
    assert one["total"] == two["total"] > 10


def test_filters_alone_list_the_newest_articles(client):
    body = _api(client, region="Kabupaten Tanggamus")
    dates = [r["date"][:10] for r in body["results"]]
    assert body["sort"] == "newest" and dates == sorted(dates, reverse=True) and len(dates) >= 3
    assert all("Kabupaten Tanggamus" in r["regions"] for r in body["results"])


def test_bad_filter_parameters_are_400(client):
    for params, word in (({"q": "x", "sort": "random"}, "sort"),
                         ({"q": "x", "date_from": "2025-13-01"}, "date_from"),
                         ({"q": "x", "format": "xml"}, "format"), ({"q": "x", "k": "501"}, "k"),
                         ({"q": "x", "region": ["r"] * 60}, "region")):
        response = client.get("/api/search", query_string=params)
        assert response.status_code == 400, params
        assert word in response.get_json()["error"]


def test_page_shows_facets_as_checkboxes_with_counts(client):
    html = client.get("/", query_string={"q": "inovasi", "source": "Warta Daerah"}).get_data(as_text=True)
    assert re.search(r'<input type="checkbox" form="cari" name="source" value="Warta Daerah" checked>', html)
    assert re.search(r'name="source" value="Kabar Lampung Hari Ini">\s*<span class="check-label">Kabar Lampung '
                     r'Hari Ini</span>\s*<span class="n">\d+', html)
    assert 'name="region" value="Kabupaten Sumedang"' in html and "Kab. Sumedang" in html  # Warta Daerah's
    assert 'name="date_from"' in html and 'name="date_to"' in html
    assert 'aria-label="Hapus saringan media Warta Daerah"' in html  # the active filter as a removable chip
    assert 'aria-current="true"' in html  # the current sort


def test_page_links_keep_the_query_and_filters(client):
    html = client.get("/", query_string={"q": "inovasi", "region": LAMBAR, "k": 3}).get_data(as_text=True)
    nxt = re.search(r'rel="next" href="([^"]+)"', html).group(1)
    assert "q=inovasi" in nxt and "region=Kabupaten+Lampung+Barat" in nxt and "page=2" in nxt
    newest = re.search(r'href="([^"]*sort=newest[^"]*)"', html).group(1)
    assert "region=Kabupaten+Lampung+Barat" in newest and "page=" not in newest


def test_empty_result_state_suggests_what_to_do(client):
    html = client.get("/", query_string={"q": "inovasi", "region": "Kabupaten Merauke"}).get_data(as_text=True)
    assert "Tidak ada hasil untuk" in html
    assert "Cari tanpa saringan" in html
    assert 'name="region" value="Kabupaten Merauke" checked' in html  # can be unticked from the facet too


def test_empty_index_says_how_to_ingest(tmp_path, embedder):
    from ingest.store import Index
    from search_app.app import create_app
    from search_app.search import Searcher

    app = create_app({"SEARCHER": Searcher(Index(tmp_path / "kosong"), embedder), "TESTING": True})
    html = app.test_client().get("/").get_data(as_text=True)
    assert "Indeks masih kosong" in html and "telusur ingest" in html
    html = app.test_client().get("/", query_string={"q": "inovasi"}).get_data(as_text=True)
    assert "Indeks masih kosong" in html


def test_only_matching_passages_count_in_the_default_mode(client):
    nothing = client.get("/", query_string={"q": "zxqwv plokij"}).get_data(as_text=True)
    # no passage holds the words: the served search falls back to meaning and says so (issue 13)
    assert "Tidak ada yang memuat semua kata; menampilkan hasil yang paling mirip maknanya" in nothing
    assert _api(client, q="zxqwv plokij")["match"] == "meaning"
    body = _api(client, q="SiPANDU Tanggamus", k=50)
    assert body["results"] and all(
        {"sipandu", "tanggamus"} & set((r["title"] + " " + r["passage"]).lower().replace(",", " ").split())
        for r in body["results"])
    assert sum(_facet(body, "category").values()) < 10  # not the whole corpus
