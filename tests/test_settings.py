"""Settings: one table in code, the same table in the README."""

import re

from ingest.settings import SETTINGS, setting
from tests.conftest import REPO


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| (\w+) \| `(\w+)` \|", readme, flags=re.M))
    assert {(s.name, s.env) for s in SETTINGS} == rows


def test_override_then_environment_then_default(monkeypatch):
    monkeypatch.delenv("TELUSUR_MODE", raising=False)
    assert setting("mode") == "hybrid"
    monkeypatch.setenv("TELUSUR_MODE", "bm25")
    assert setting("mode") == "bm25"
    assert setting("mode", "dense") == "dense"
