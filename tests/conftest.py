"""Shared fixtures. Real data is read from ``$TELUSUR_DATA`` (default ``../shared/data``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    return Path(os.environ.get("TELUSUR_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only real data folder; tests needing it skip locally, fail in CI."""
    path = shared_data_dir()
    if not path.is_dir():
        if os.environ.get("TELUSUR_REQUIRE_DATA") == "1":
            pytest.fail(f"TELUSUR_DATA={path} is not a folder, and real-data tests are mandatory")
        pytest.skip(f"real data not found at {path} (set TELUSUR_DATA)")
    return path


@pytest.fixture(scope="session")
def embedder():
    """The real embedding model (converted once into the user cache, then loaded), run by the engines the
    settings choose (by default: torch for passages, ONNX Runtime fp32 for queries), as the product runs it."""
    from ingest.embed import DEFAULT_MODEL, embedder_from_settings

    return embedder_from_settings(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory, embedder):
    """An index of the demo corpus, built once per test session with the real model and Chroma."""
    from ingest.pipeline import ingest_paths
    from ingest.store import Index

    index = Index(tmp_path_factory.mktemp("demo-index"))
    report = ingest_paths([REPO / "corpus"], index, embedder, show_progress=False, log=lambda line: None)
    assert not report.skipped, report.skipped
    return index


@pytest.fixture(scope="session")
def searcher(demo_index, embedder):
    from search_app.search import Searcher

    return Searcher(demo_index, embedder)


@pytest.fixture()
def app(searcher):
    from search_app.app import create_app

    return create_app({"SEARCHER": searcher, "TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()
