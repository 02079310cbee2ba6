"""The OpenAPI description is the contract: Schemathesis generates requests for every operation (valid and
invalid) and every check passes (no 5xx, statuses, content types, response schemas, headers, rejections)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from tests.conftest import REPO
from tests.test_documents_api import AUTH, TOKEN

# Generated cases (Hypothesis' generate phase: valid and invalid requests); the boundary-value "coverage" phase
# runs outside CI: `schemathesis run --checks all http://127.0.0.1:PORT/api/openapi.json` (docs/reliability.md).
READS = 60  # per read operation
WRITES = 10  # per phase for POST /api/documents: each case embeds what it writes


@pytest.fixture(scope="module")
def contract_app(tmp_path_factory, embedder):
    from ingest.pipeline import ingest_paths
    from ingest.store import Index
    from search_app.app import create_app
    from search_app.search import Searcher

    directory = tmp_path_factory.mktemp("contract-index")
    documents = REPO / "corpus" / "dokumen"
    ingest_paths([REPO / "corpus" / "artikel.jsonl", *documents.glob("*.docx"), *documents.glob("*.xlsx")],
                 Index(directory), embedder, show_progress=False, log=lambda line: None)
    return create_app({"SEARCHER": Searcher(Index(directory), embedder), "API_TOKEN": TOKEN, "TESTING": True})


@pytest.fixture(scope="module")
def api_schema(contract_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", contract_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.include(method="GET").parametrize()
@settings(max_examples=READS, phases=[Phase.generate], deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_read_keeps_the_contract(case):
    case.call_and_validate(headers=AUTH, checks=schemathesis.checks.CHECKS.get_all())


@schema.include(method="POST").parametrize()
@settings(max_examples=WRITES, phases=[Phase.generate], deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_write_keeps_the_contract(case):
    case.call_and_validate(headers=AUTH, checks=schemathesis.checks.CHECKS.get_all())


def test_a_query_over_the_limit_counting_its_spaces_is_refused_as_the_schema_says(contract_app):
    """Found by scripts/fuzz_api.py: 5,001 characters whose last is a space were accepted (stripped first)."""
    client = contract_app.test_client()
    for path in ("/api/search", "/feed"):
        assert client.get(path, query_string={"q": "a" * 5000 + " "}).status_code == 400, path
        assert client.get(path, query_string={"q": " " + "a" * 4998 + " "}).status_code == 200, path


def test_every_stored_article_and_file_keeps_the_contract(contract_app, api_schema):
    """Generated ids are unknown (404s); the 200s of the id routes are checked on every stored article."""
    client = contract_app.test_client()
    listed = client.get("/api/search", query_string={"k": 100}).get_json()["results"]
    files = [r["article_id"] for r in listed if r["file_url"]]
    assert len(listed) >= 10 and len(files) >= 2  # the DOCX report and the XLSX list
    every = [r["article_id"] for r in listed]
    for path, ids in (("/api/artikel/{article_id}", every), ("/berkas/{article_id}", files)):
        operation = api_schema[path]["GET"]
        for article_id in ids:
            case = operation.Case(path_parameters={"article_id": article_id})
            response = case.call_and_validate(headers=AUTH, checks=schemathesis.checks.CHECKS.get_all())
            assert response.status_code == 200, (path, article_id)
