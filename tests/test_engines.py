"""Encoder engines (ingest/engines): the same vectors from ONNX Runtime fp32 (and OpenVINO), close ones from
int8, the ONNX export and the OpenVINO conversion made once and cached, an index refusing passage vectors of two
engines, and the fallback to torch with one line when an engine's package is missing (the import really fails,
in a subprocess or in this process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tiny

REPO = Path(__file__).resolve().parents[1]

# Written for this test: news-like passages and questions of different lengths, one English.
TEXTS = [
    "passage: Pemerintah Kabupaten Lampung Barat meluncurkan 41 inovasi pelayanan publik sepanjang tahun 2024.",
    "passage: Harga cabai rawit di Pasar Kosambi, Bandung, naik menjadi Rp90.000 per kilogram menjelang Lebaran.",
    "passage: Banjir setinggi satu meter merendam 300 rumah warga di tepi Sungai Citarum sejak Selasa malam.",
    "passage: " + " ".join(["Koperasi petani kopi di lereng Gunung Kerinci mengekspor biji kopi ke Jepang."] * 12),
    "query: berapa inovasi yang dilahirkan Lampung Barat?",
    "query: harga cabai menjelang lebaran",
    "query: flood along the Citarum river",
    "query: kopi Kerinci",
]
INT8_FLOOR = 0.99  # measured: min 0.9957 on 16 real passages (telusur bench --stages engines), docs/bench.md
OV_INT8_FLOOR = 0.995  # measured: min 0.9937 on 1,000 FacQA passages, 0.9966 on 64 indosum; docs/bench.md


@pytest.fixture(scope="module")
def fp32_rows():
    from ingest.engines import make_encoder

    return make_encoder("torch", "multilingual-e5-small", "fp32", threads=2).embed(TEXTS)


@pytest.mark.parametrize("engine, floor", [("onnxruntime", 0.9999), ("onnxruntime-int8", INT8_FLOOR),
                                           ("openvino", 0.9999), ("openvino-int8", OV_INT8_FLOOR)])
def test_engine_vectors_match_torch_fp32(engine, floor, fp32_rows):
    from ingest.engines import make_encoder, resolve_engine

    assert resolve_engine(engine, "multilingual-e5-small") == engine
    encoder = make_encoder(engine, "multilingual-e5-small", "fp32", threads=2)
    assert not encoder.loaded
    rows = encoder.embed(TEXTS)
    assert encoder.loaded and encoder.dim == rows.shape[1] == 384
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    cosines = (rows * fp32_rows).sum(axis=1)
    assert cosines.min() >= floor, cosines
    # the nearest passage of each query stays the same
    assert (np.argmax(rows[4:] @ rows[:4].T, axis=1) == np.argmax(fp32_rows[4:] @ fp32_rows[:4].T, axis=1)).all()


def test_onnx_export_is_made_once_and_cached(tmp_path, capfd):
    from ingest.e5_convert import ensure_converted_model
    from ingest.engines.onnx_export import ensure_onnx, onnx_file

    source = ensure_converted_model()
    folder = tmp_path / "model"
    folder.mkdir()
    for item in source.iterdir():  # the converted folder, linked (not the cached export beside it)
        if item.name != "onnx":
            (folder / item.name).symlink_to(item)
    path = ensure_onnx(folder)
    first = capfd.readouterr().err
    assert path == onnx_file(folder, quantized=False) and path.stat().st_size > 100_000_000
    assert first.count("mengekspor model ke ONNX fp32") == 1
    stamp = path.stat()
    assert ensure_onnx(folder) == path
    assert capfd.readouterr().err == ""  # the second call does nothing and says nothing
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (stamp.st_ino, stamp.st_mtime_ns)
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.onnx"]  # no temp file left


def test_openvino_conversion_is_made_once_and_cached(tmp_path, capfd):
    from ingest.e5_convert import ensure_converted_model
    from ingest.engines.onnx_export import ensure_onnx
    from ingest.engines.openvino_convert import calibration_texts, ensure_openvino, openvino_file

    source = ensure_converted_model()
    ensure_onnx(source)
    folder = tmp_path / "model"
    folder.mkdir()
    for item in source.iterdir():  # the converted folder and its ONNX export, linked (not the OpenVINO files)
        if item.name != "openvino":
            (folder / item.name).symlink_to(item)
    capfd.readouterr()
    path = ensure_openvino(folder)
    first = capfd.readouterr()
    assert path == openvino_file(folder, quantized=False) and path.with_suffix(".bin").stat().st_size > 100_000_000
    assert first.err.count("mengonversi model ke OpenVINO fp32") == 1 and first.out == ""
    stamp = path.stat()
    assert ensure_openvino(folder) == path
    assert capfd.readouterr() == ("", "")  # the second call does nothing and says nothing
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (stamp.st_ino, stamp.st_mtime_ns)
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.bin", "model.xml"]  # no temp folder left
    texts = calibration_texts()  # the int8 model's calibration: demo-corpus passages and written questions
    assert sum(t.startswith("passage: ") for t in texts) >= 40 and sum(t.startswith("query: ") for t in texts) >= 20


def test_missing_openvino_falls_back_with_one_line(monkeypatch, capsys):
    import ingest.engines as engines

    monkeypatch.setattr(engines, "_warned", set())
    monkeypatch.setitem(sys.modules, "nncf", None)  # import nncf now raises ImportError
    assert engines.resolve_engine("openvino-int8", "multilingual-e5-small") == "torch"
    assert engines.resolve_engine("openvino-int8", "multilingual-e5-small") == "torch"
    monkeypatch.setitem(sys.modules, "openvino", None)
    assert engines.resolve_engine("openvino", "multilingual-e5-small") == "torch"
    assert capsys.readouterr().err.splitlines() == [
        "Telusur: engine 'openvino-int8' needs the 'nncf' package (pip install 'telusur[openvino]' (openvino, "
        "nncf)); using 'torch'",
        "Telusur: engine 'openvino' needs the 'openvino' package (pip install 'telusur[openvino]'); using 'torch'"]
    assert engines.vectors_tag("openvino") == "" and engines.vectors_tag("openvino-int8") == "ov-int8"


def _cli(*args: str, env: dict | None = None, shim: str = "pass") -> subprocess.CompletedProcess:
    code = (f"import runpy, sys; {shim}; sys.argv = ['telusur', *sys.argv[1:]]; "
            "runpy.run_module('search_app.cli', run_name='__main__')")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "TELUSUR_ENCODE_PROCESSES": "1", **(env or {})}, timeout=300)


def test_index_refuses_passage_vectors_of_another_engine(tmp_path):
    from ingest.store import Index

    index = tmp_path / "idx"
    first = tiny.write_jsonl(tmp_path / "a.jsonl", tiny.records()[:3])
    more = tiny.write_jsonl(tmp_path / "b.jsonl", tiny.records()[3:])
    done = _cli("ingest", str(first), "--index", str(index), "--quiet", "--engine", "torch")
    assert done.returncode == 0, done.stderr
    assert Index(index).get_meta("engine") == "torch"
    refused = _cli("ingest", str(more), "--index", str(index), "--quiet", "--engine", "onnxruntime-int8")
    assert refused.returncode != 0
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: index {index} holds passage vectors of engine 'torch', not 'onnxruntime-int8'; "
                      "use another --index or --engine torch"]
    assert Index(index).article_count() == 3  # nothing indexed was lost, nothing added
    # ONNX Runtime fp32 gives torch's vectors: it may add to the same index
    shared = _cli("ingest", str(more), "--index", str(index), "--quiet", "--engine", "onnxruntime")
    assert shared.returncode == 0, shared.stderr
    assert Index(index).article_count() == 5 and Index(index).get_meta("engine") == "torch"
    bad = _cli("ingest", str(more), "--index", str(tmp_path / "new"), "--quiet",
               env={"TELUSUR_ENGINE": "tensorrt"})
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "error: engine must be one of torch, onnxruntime, onnxruntime-int8, openvino, openvino-int8, not 'tensorrt'"]


def test_missing_engine_package_falls_back_to_torch_with_one_line(tmp_path):
    from ingest.store import Index

    index = tmp_path / "idx"
    dump = tiny.write_jsonl(tmp_path / "a.jsonl", tiny.records())
    shim = "sys.modules['onnxruntime'] = None"  # import onnxruntime now raises ImportError
    done = _cli("ingest", str(dump), "--index", str(index), "--quiet", "--engine", "onnxruntime", shim=shim)
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if "engine 'onnxruntime'" in line]
    assert notes == ["Telusur: engine 'onnxruntime' needs the 'onnxruntime' package (pip install onnxruntime); "
                     "using 'torch'"]
    assert Index(index).get_meta("engine") == "torch"
    found = _cli("search", "alpukat Wonosari", "--index", str(index), "--json", "--engine", "onnxruntime",
                 shim=shim)
    assert found.returncode == 0, found.stderr
    assert found.stderr.count("needs the 'onnxruntime' package") == 1
    assert '"article_id": "pasar-b"' in found.stdout or '"article_id": "kebun-a"' in found.stdout


def test_query_engine_setting_picks_the_query_encoder(tmp_path, monkeypatch, embedder):
    from search_app.search import open_searcher

    index = tiny.build(tmp_path / "idx", embedder)  # passages by torch
    monkeypatch.delenv("TELUSUR_QUERY_ENGINE", raising=False)
    served = open_searcher(index.directory)
    assert (served.embedder.engine, served.embedder.query_engine) == ("torch", "onnxruntime-int8")  # the defaults
    assert not served.embedder.loaded
    answer = served.search("panen alpukat dan durian", k=1, mode="dense")
    assert served.embedder.query_encoder.loaded and not served.embedder.encoder.loaded  # torch never loaded
    monkeypatch.setenv("TELUSUR_QUERY_ENGINE", "torch")
    plain = open_searcher(index.directory)
    assert plain.embedder.query_engine == "torch"
    assert [r.article_id for r in plain.search("panen alpukat dan durian", k=1, mode="dense").results] == [
        r.article_id for r in answer.results] == ["kebun-a"]
    ours, theirs = (s.embedder.encode_queries(["panen alpukat dan durian"])[0] for s in (served, plain))
    assert float(ours @ theirs) > INT8_FLOOR  # int8 queries: close to torch's, not equal
