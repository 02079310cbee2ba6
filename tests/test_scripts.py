"""The two commands of the README: scripts/serve.sh and scripts/test.sh (cheap checks; see docs/promises.md).

Running them for real installs the package system-wide (``pip install -e .``) and, for serve.sh, serves until
Ctrl-C, so the suite checks their syntax and that every ``telusur`` command they run is one the CLI accepts.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib

import pytest

from search_app.cli import build_parser
from tests.conftest import REPO

SCRIPTS = sorted((REPO / "scripts").glob("*.sh"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_is_valid_bash_that_stops_on_errors(script):
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    assert "set -euo pipefail" in script.read_text()


def test_serve_sh_runs_commands_the_cli_accepts():
    text = (REPO / "scripts" / "serve.sh").read_text()
    assert "bash scripts/install.sh" in text
    lines = [re.sub(r"^exec ", "", line.strip()) for line in text.splitlines()
             if re.match(r"(exec )?telusur ", line.strip())]
    assert [shlex.split(line)[1] for line in lines] == ["ingest", "serve"]
    for line in lines:
        line = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", line)  # ${VAR:-default} -> default (VAR unset)
        args = build_parser().parse_args(shlex.split(line)[1:])
        if args.command == "serve":
            assert (args.host, args.port) == ("127.0.0.1", 8000)  # the README's http://127.0.0.1:8000/
        else:
            assert args.paths == ["corpus/"] and (REPO / "corpus").is_dir()


def test_test_sh_installs_the_test_extra_and_runs_ruff_and_pytest():
    text = (REPO / "scripts" / "test.sh").read_text()
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "bash scripts/install.sh test" in text and {"pytest", "ruff", "playwright"} <= {
        re.split(r"[<>=]", dep)[0] for dep in extras["test"]}
    assert "apt-get install -y -qq chromium" in text
    assert re.search(r"^ruff check \.$", text, flags=re.M) and re.search(r"^python3 -m pytest", text, flags=re.M)
