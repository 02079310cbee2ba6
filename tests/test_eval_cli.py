"""`telusur eval` (text and JSON, latency, index reuse) and `python -m search_app.tools.tune` on a tiny judged split."""

from __future__ import annotations

import json
import re

import pytest

from search_app.cli import main as cli_main
from tests import tiny

QUERIES = {"q1": ("panen alpukat dan durian di kebun Wonosari", "kebun-a"),
           "q2": ("pelatihan aparatur sipil negara di kecamatan", "pegawai-d"),
           "q3": ("perbaikan jalan rusak dengan dana swadaya", "jalan-e")}


@pytest.fixture()
def split(tmp_path, monkeypatch):
    """A judged split in ``kecil/`` (``tiny.judged_split``)."""
    return tiny.judged_split(tmp_path, monkeypatch, [{"id": q, "text": text} for q, (text, _) in QUERIES.items()],
                             {q: doc for q, (_, doc) in QUERIES.items()})


def test_eval_reports_metrics_and_latency_and_reuses_its_index(split, tmp_path, capsys):
    args = ["eval", "--corpus", str(split / "corpus.jsonl"), "--queries", str(split / "queries.jsonl"),
            "--qrels", str(split / "qrels.tsv"), "--mode", "bm25"]
    assert cli_main([*args, "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["mode"] == "bm25" and metrics["queries"] == 3
    for name in ("ndcg@10", "mrr@10", "recall@10", "recall@100", "p@1"):
        assert metrics[name] == 1.0, name  # every query's judged article ranks first
    assert 0 < metrics["latency_ms_p50"] <= metrics["latency_ms_p95"]
    built = list((tmp_path / "home" / ".cache" / "telusur" / "eval").iterdir())
    assert len(built) == 1  # one evaluation index per corpus, kept for later runs
    (built[0] / "marker").write_text("still here")
    inode = (built[0] / "articles.sqlite").stat().st_ino
    assert cli_main(args) == 0
    line = capsys.readouterr().out
    assert re.fullmatch(r"mode=bm25 queries=3 nDCG@10=1\.0000 MRR@10=1\.0000 R@10=1\.0000 R@100=1\.0000 "
                        r"P@1=1\.0000 latency p50=[\d.]+ ms p95=[\d.]+ ms\n", line), line
    assert list((tmp_path / "home" / ".cache" / "telusur" / "eval").iterdir()) == built  # reused, not rebuilt
    assert (built[0] / "marker").exists() and (built[0] / "articles.sqlite").stat().st_ino == inode


def test_tune_reports_every_fusion_and_ascends(split, capsys):
    from search_app.tools.tune import main

    main([str(split), "--ascent"])
    out = capsys.readouterr().out
    rows = dict(re.findall(r"^(\S.*?)\s+kecil=([\d.]+)$", out, flags=re.M))
    assert set(rows) == {"dense", "bm25", "rrf k=60", "min-max 0.6/0.4", "z 0.75/0.25", "product hybrid"}
    assert float(rows["bm25"]) == 1.0 and all(0 < float(v) <= 1 for v in rows.values())
    assert re.search(r"^ascent: HybridWeights\(.*\) mean nDCG@10 [\d.]+$", out, flags=re.M)
