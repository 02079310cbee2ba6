"""Ranking modes: bm25 is lexical only, dense is cosine only, hybrid neither; the default follows TELUSUR_MODE."""

from __future__ import annotations

import json

import pytest
from werkzeug.datastructures import MultiDict

from ingest.analyzer import analyze
from search_app.cli import main as cli_main

NONSENSE = "zxqwv plokij"  # no word of it is in the corpus
QUERY = "pelayanan publik digital di desa"


def test_bm25_mode_returns_only_passages_holding_a_query_term(searcher):
    assert searcher.search(NONSENSE, mode="bm25").results == []
    terms = set(analyze(QUERY))
    bm25 = searcher.search(QUERY, mode="bm25", k=60).results
    hybrid = searcher.search(QUERY, mode="hybrid", k=60).results
    def holds(r):
        return terms & set(analyze(r.title + " " + r.passage))
    assert bm25 and all(holds(r) for r in bm25)
    assert any(not holds(r) for r in hybrid)  # hybrid (and dense) also rank passages by meaning alone


def test_dense_mode_scores_are_the_cosine_of_query_and_passage(searcher, embedder, demo_index):
    vector = embedder.encode_queries([QUERY])[0]
    for mode, same in (("dense", True), ("hybrid", False)):
        results = searcher.search(QUERY, mode=mode, k=10).results
        stored = demo_index.vectors.get_vectors([r.passage_id for r in results], local=False)
        cosines = [float(stored[r.passage_id] @ vector) for r in results]
        assert same == all(abs(r.score - c) < 1e-4 for r, c in zip(results, cosines)), mode
    assert len(searcher.search(NONSENSE, mode="dense", k=5).results) == 5  # every candidate matches by meaning


def _ranking(body_or_response) -> list[str]:
    results = body_or_response["results"] if isinstance(body_or_response, dict) else body_or_response.results
    return [r["passage_id"] if isinstance(r, dict) else r.passage_id for r in results]


@pytest.mark.parametrize("env", [None, "bm25", "dense"])
def test_the_server_default_mode_is_TELUSUR_MODE_else_hybrid(demo_index, searcher, monkeypatch, env):
    from search_app.app import run_search
    from search_app.params import search_params
    from search_app.serving import make_app

    expected = env or "hybrid"
    if env is None:
        monkeypatch.delenv("TELUSUR_MODE", raising=False)
    else:
        monkeypatch.setenv("TELUSUR_MODE", env)
    client = make_app(str(demo_index.directory), warm=False).test_client()
    body = client.get("/api/search", query_string={"q": QUERY, "k": 20}).get_json()
    assert body["mode"] == expected
    rankings = {m: _ranking(run_search(searcher, search_params(MultiDict({"q": QUERY, "k": "20"}), m))) for m in
                ("hybrid", "dense", "bm25")}
    assert len({tuple(r) for r in rankings.values()}) == 3  # the three modes rank differently here
    assert _ranking(body) == rankings[expected]


def test_cli_search_mode_flag_then_TELUSUR_MODE_then_hybrid(demo_index, searcher, monkeypatch, capsys):
    def run(*flags: str) -> dict:
        assert cli_main(["search", QUERY, "--index", str(demo_index.directory), "--json", "-k", "8", *flags]) == 0
        return json.loads(capsys.readouterr().out)

    from search_app.served import served_search

    expected = {m: _ranking(served_search(searcher, QUERY, k=8, mode=m, facets=False)) for m in
                ("hybrid", "dense", "bm25")}
    assert len({tuple(r) for r in expected.values()}) == 3  # the three modes rank differently here
    monkeypatch.delenv("TELUSUR_MODE", raising=False)
    default = run()
    assert default["mode"] == "hybrid" and _ranking(default) == expected["hybrid"]
    monkeypatch.setenv("TELUSUR_MODE", "bm25")
    from_env = run()
    assert from_env["mode"] == "bm25" and _ranking(from_env) == expected["bm25"]
    flag = run("--mode", "dense")
    assert flag["mode"] == "dense" and _ranking(flag) == expected["dense"]
