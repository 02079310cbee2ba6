"""Defects an outside probe found in the API and ingest: lone surrogates, deep JSON, hostile article ids."""

from __future__ import annotations

import json

import pytest

from ingest.jsonsafe import MAX_DEPTH, TooDeep, loads, nesting_depth
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.test_documents_api import ARTICLE, AUTH, _app, _count

HOSTILE_IDS = ["../../../tmp/x", "a/b", "..", "a..b", ".hidden", "x" * 201, "nul\x00id", "spasi di id",
               "<script>", "é-unicode", "%2e%2e", "a\\b", "?q=1", "#frag", ""]


@pytest.fixture()
def api(writable, embedder):
    return _app(writable, embedder).test_client()


@pytest.fixture(scope="module")
def writable(tmp_path_factory, embedder):
    return tmp_path_factory.mktemp("probe-index")


def post_raw(client, body: str):
    return client.post("/api/documents", data=body.encode("utf-8", "surrogatepass"),
                       headers={**AUTH, "Content-Type": "application/json"})


@pytest.mark.parametrize("field", ["title", "text", "source", "id", "extra_field"])
def test_lone_surrogate_is_a_400_naming_the_field(api, field):
    body = {**ARTICLE, "id": "surrogate-test", field: "ok \\ud800 ok"}
    raw = json.dumps(body).replace("\\\\ud800", "\\ud800")  # valid JSON holding a lone surrogate escape
    before = _count(api)
    response = post_raw(api, raw)
    assert response.status_code == 400, response.get_json()
    assert repr(field) in response.get_json()["error"] and "surrogate" in response.get_json()["error"]
    assert _count(api) == before


@pytest.mark.parametrize("depth", [65, 900, 1000, 5000, 100_000])
def test_deep_json_is_a_400_at_any_depth(api, depth):
    response = post_raw(api, "[" * depth + "]" * depth)
    assert response.status_code == 400
    assert "nested" in response.get_json()["error"]


def test_unparseable_and_undecodable_bodies_are_400(api):
    for body in (b"{bukan json", b"\xff\xfe\x00garbage", b""):
        response = api.post("/api/documents", data=body, headers={**AUTH, "Content-Type": "application/json"})
        assert response.status_code == 400, body
        assert response.get_json()["status"] == 400


@pytest.mark.parametrize("article_id", HOSTILE_IDS)
def test_hostile_article_ids_are_refused(api, article_id):
    response = api.post("/api/documents", json={**ARTICLE, "id": article_id}, headers=AUTH)
    if article_id == "":  # no id: one is derived from the url, which is safe
        assert response.status_code in (200, 201)
        return
    assert response.status_code == 400, (article_id, response.get_json())
    assert "'id'" in response.get_json()["error"]


@pytest.mark.parametrize("article_id", ["snp-2024-0906-banyuwangi", "a1", "doc:2024.v2~final", "A" * 200])
def test_ordinary_ids_round_trip_through_every_id_route(api, article_id):
    response = api.post("/api/documents", json={**ARTICLE, "id": article_id}, headers=AUTH)
    assert response.status_code in (200, 201), response.get_json()
    assert api.get(f"/api/artikel/{article_id}").get_json()["article_id"] == article_id
    page = api.get(f"/artikel/{article_id}")
    assert page.status_code == 200
    found = api.get("/", query_string={"q": "aplikasi OmbakWeb nelayan Krui"}).get_data(as_text=True)
    assert f'href="/artikel/{article_id}?' in found or f'href="/artikel/{article_id}"' in found


@pytest.mark.parametrize("path", ["/artikel/..%2F..%2Fetc%2Fpasswd", "/api/artikel/..%2F..%2Fetc%2Fpasswd",
                                  "/artikel/%00", "/api/artikel/" + "x" * 5000, "/artikel/<script>"])
def test_id_routes_answer_404_for_hostile_paths(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert "<script>" not in response.get_data(as_text=True)


def test_jsonl_dump_lines_with_surrogates_deep_nesting_or_bad_ids_are_one_line_each(tmp_path, embedder):
    good = {"id": "baik-1", "title": "Berita baik", "text": "Warga desa menanam padi bersama di sawah."}
    lines = [json.dumps(good),
             json.dumps({**good, "id": "s-1", "title": "x \\ud800"}).replace("\\\\ud800", "\\ud800"),
             "[" * 3000 + "]" * 3000,
             json.dumps({**good, "id": "../etc/passwd"})]
    dump = tmp_path / "d.jsonl"
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    messages: list[str] = []
    report = ingest_paths([dump], Index(tmp_path / "idx"), embedder, show_progress=False, log=messages.append)
    assert report.read == 1 and len(report.skipped) == 3, report.skipped
    assert [m.split(":")[2] for m in messages] == ["2", "3", "4"]  # path:line: reason
    assert "surrogate" in messages[0] and "nested" in messages[1] and "'id'" in messages[2]
    assert all("\n" not in m and "Traceback" not in m for m in messages)


def test_nesting_depth_ignores_brackets_inside_strings():
    assert nesting_depth('{"a": "[[[[", "b": [1, {"c": "\\"{"}]}') == 3
    assert nesting_depth('["a\\\\", ["b"]]') == 2
    assert nesting_depth("42") == 0
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(TooDeep):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
