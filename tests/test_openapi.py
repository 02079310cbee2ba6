"""The OpenAPI 3 document served at /api/openapi.json describes the API the app really has."""

from __future__ import annotations

from openapi_spec_validator import validate

CONTRACT = {"q", "k", "page", "sort", "date_from", "date_to", "source", "category", "region", "mode", "format",
            "answer"}


def test_openapi_document_is_valid(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")


def test_every_api_route_is_documented(client, app):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json" or rule.rule in ("/feed", "/healthz"):
            documented = rule.rule.replace("<article_id>", "{article_id}")
            assert documented in paths, rule.rule
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            assert methods <= set(paths[documented]), rule.rule


def test_search_parameters_are_the_contract(client):
    document = client.get("/api/openapi.json").get_json()
    names = {p["name"] for p in document["paths"]["/api/search"]["get"]["parameters"]}
    assert names == CONTRACT
    feed = {p["name"] for p in document["paths"]["/feed"]["get"]["parameters"]}
    assert feed == CONTRACT - {"k", "page", "sort", "format", "answer"}
    repeated = [p for p in document["paths"]["/api/search"]["get"]["parameters"] if p["schema"]["type"] == "array"]
    assert {p["name"] for p in repeated} == {"source", "category", "region"}


def test_documented_result_fields_are_what_the_api_returns(client):
    document = client.get("/api/openapi.json").get_json()
    result_fields = set(document["components"]["schemas"]["Result"]["properties"])
    body = client.get("/api/search", query_string={"q": "inovasi daerah"}).get_json()
    assert set(body["results"][0]) == result_fields
    assert set(body) <= set(document["components"]["schemas"]["SearchResponse"]["properties"])
    article = client.get(f"/api/artikel/{body['results'][0]['article_id']}").get_json()
    assert set(article) == set(document["components"]["schemas"]["Article"]["properties"])
