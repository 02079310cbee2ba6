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
