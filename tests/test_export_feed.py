"""Export of a result set (CSV, JSON) and the Atom feed of a saved search."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

from search_app.export import COLUMNS, to_csv
from search_app.search import Result, SearchResponse

ATOM = "{http://www.w3.org/2005/Atom}"


def _csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so that spreadsheet programs read UTF-8
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_has_the_same_rows_as_json(client):
    params = {"q": "inovasi daerah", "region": "Lampung", "sort": "newest", "k": 500}
    body = client.get("/api/search", query_string=params).get_json()
    response = client.get("/api/search", query_string={**params, "format": "csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="telusur-inovasi-daerah.csv"'
    rows = _csv_rows(response)
    assert list(rows[0]) == list(COLUMNS)
    assert [r["article_id"] for r in rows] == [r["article_id"] for r in body["results"]]
    assert len(rows) == body["total"] > 3
    assert all("Lampung" in r["regions"] for r in rows)
    explicit = client.get("/api/search", query_string={**params, "format": "json"}).get_json()
    assert explicit["results"] == body["results"]


def test_csv_lists_wire_copies_and_defuses_formulas():
    result = Result(rank=1, score=0.5, article_id="a", passage_id="p", title="=HYPERLINK(\"http://x\")",
                    date="2024-01-01", source="@Media", url="https://a.example", category="-1", passage="+teks",
                    passage_html="", answer=None, position=0,
                    also_published=[{"article_id": "b", "title": "B", "source": "Media B", "date": "2024-01-02",
                                     "url": "https://b.example"}])
    rows = list(csv.DictReader(io.StringIO(to_csv(SearchResponse("q", "hybrid", 10, 1, 1, [result])))))
    assert rows[0]["title"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["source"] == "'@Media" and rows[0]["category"] == "'-1" and rows[0]["passage"] == "'+teks"
    assert rows[0]["also_published"] == "Media B (2024-01-02) https://b.example"


def test_page_offers_export_and_feed_links_for_the_same_search(client):
    html = client.get("/", query_string={"q": "banjir", "source": "Suara Nusantara Pos"}).get_data(as_text=True)
    links = re.findall(r'href="(/api/search\?[^"]+|/feed\?[^"]+)"', html)
    csv_link = next(link for link in links if "format=csv" in link)
    assert "q=banjir" in csv_link and "source=Suara+Nusantara+Pos" in csv_link
    assert any(link.startswith("/feed?") and "source=Suara+Nusantara+Pos" in link for link in links)
    assert 'rel="alternate" type="application/atom+xml"' in html
    download = client.get(csv_link.replace("&amp;", "&"))
    assert download.status_code == 200 and download.mimetype == "text/csv"


def test_feed_is_valid_atom_with_the_newest_matches_first(client):
    response = client.get("/feed", query_string={"q": "inovasi daerah", "region": "Lampung"})
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{tag}") is not None, tag
    assert "inovasi daerah" in feed.findtext(f"{ATOM}title")
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").startswith("http://localhost/feed?")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) >= 3
    for entry in entries:
        for tag in ("id", "title", "updated", "summary"):
            assert entry.findtext(f"{ATOM}{tag}"), tag
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://localhost/artikel/")
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == len(entries)  # one entry per article


def test_feed_follows_filters_and_wire_grouping(client):
    feed = ET.fromstring(client.get("/feed", query_string={"q": "SiPANDU Tanggamus",
                                                           "source": "Suara Nusantara Pos"}).data)
    authors = {e.findtext(f"{ATOM}author/{ATOM}name") for e in feed.findall(f"{ATOM}entry")}
    assert authors == {"Suara Nusantara Pos"}
    feed = ET.fromstring(client.get("/feed", query_string={"q": "SiPANDU adminduk keliling Tanggamus"}).data)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert sum(t.startswith(("Tanggamus Luncurkan SiPANDU", "Disdukcapil Tanggamus Jemput")) for t in titles) == 1


def test_feed_without_query_lists_the_newest_and_filters_apply(client):
    everything = ET.fromstring(client.get("/feed").data).findall(f"{ATOM}entry")
    updated = [e.findtext(f"{ATOM}updated") for e in everything]
    assert len(everything) == 20 and updated == sorted(updated, reverse=True)
    feed = ET.fromstring(client.get("/feed", query_string={"category": "Olahraga"}).data)
    assert {e.find(f"{ATOM}category").get("term") for e in feed.findall(f"{ATOM}entry")} == {"Olahraga"}


def test_feed_escapes_what_users_type(client):
    payload = '<script>alert(1)</script>&"'
    response = client.get("/feed", query_string={"q": payload})
    assert b"<script>" not in response.data
    assert payload in ET.fromstring(response.data).findtext(f"{ATOM}title")
