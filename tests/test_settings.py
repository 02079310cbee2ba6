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


TEST_REF = re.compile(r"(tests/test_\w+\.py)(?:::(test_\w+))?(\s*\(lead\))?")


def settings_checklist(text: str) -> dict[str, list[tuple[str, str | None, bool]]]:
    """The "Settings" table of docs/promises.md: setting -> [(test file, test name, written by the lead)]."""
    section = text.split("\n## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \|$", section, flags=re.M)
    return {name: [(f, t or None, bool(lead)) for f, t, lead in TEST_REF.findall(cell)] for name, cell in rows}


def test_every_setting_has_a_behavioural_test_named_in_docs_promises():
    checklist = settings_checklist((REPO / "docs" / "promises.md").read_text(encoding="utf-8"))
    problems = []
    for s in SETTINGS:
        refs = checklist.get(s.name)
        if not refs:
            problems.append(f"{s.name}: no test named")
        for file, name, lead in refs or []:
            path = REPO / file
            if lead and not path.exists():
                continue  # the lead's test file, not written yet
            source = path.read_text(encoding="utf-8") if path.exists() else ""
            if not source or (name and not re.search(rf"^def {name}\(", source, flags=re.M)):
                problems.append(f"{s.name}: {file}::{name or ''} does not exist")
            elif name is None and not re.search(r"^def test_", source, flags=re.M):
                problems.append(f"{s.name}: {file} holds no test")
    assert not problems, "settings without a behavioural test in docs/promises.md:\n" + "\n".join(problems)
    assert set(checklist) <= {s.name for s in SETTINGS}, "docs/promises.md names a setting that does not exist"
