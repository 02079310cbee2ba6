"""Each setting of ingest/settings.py changes what it says it changes (docs/promises.md lists the test of each)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import e5_convert
from ingest.store import Index
from search_app.cli import main as cli_main
from tests import tiny
from tests.servers import telusur


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory, embedder):
    return tiny.build(tmp_path_factory.mktemp("tiny-settings") / "idx", embedder)


def _bm25_ids(index, embedder, query: str) -> set[str]:
    from search_app.search import Searcher

    # as `telusur search` does: ranked BM25 candidates (the page's must-match counts only the typed words)
    return {r.article_id for r in Searcher(index, embedder).search(query, mode="bm25").results}


def test_acronym_expansion_is_off_by_default_and_on_finds_the_long_form(tiny_index, embedder, monkeypatch):
    monkeypatch.delenv("TELUSUR_ACRONYM_EXPANSION", raising=False)
    monkeypatch.delenv("TELUSUR_ACRONYMS", raising=False)
    assert _bm25_ids(tiny_index, embedder, "ASN") == set()  # the article says "Aparatur Sipil Negara"
    monkeypatch.setenv("TELUSUR_ACRONYM_EXPANSION", "on")
    assert _bm25_ids(tiny_index, embedder, "ASN") == {"pegawai-d"}
    monkeypatch.setenv("TELUSUR_ACRONYM_EXPANSION", "off")
    assert _bm25_ids(tiny_index, embedder, "ASN") == set()


def test_acronyms_file_replaces_the_shipped_list(tiny_index, embedder, monkeypatch, tmp_path):
    from search_app.query import load_acronyms

    own = tmp_path / "singkatan.tsv"
    own.write_text("# own list\nJRK\tjalan rusak\n", encoding="utf-8")
    monkeypatch.setenv("TELUSUR_ACRONYM_EXPANSION", "on")
    monkeypatch.setenv("TELUSUR_ACRONYMS", str(own))
    load_acronyms.cache_clear()  # the list is read once per process
    try:
        assert _bm25_ids(tiny_index, embedder, "JRK") == {"jalan-e"}
        assert _bm25_ids(tiny_index, embedder, "ASN") == set()  # the shipped ASN line no longer applies
    finally:
        load_acronyms.cache_clear()


def test_collection_names_the_chroma_collection(tmp_path, embedder, monkeypatch):
    monkeypatch.setenv("TELUSUR_COLLECTION", "koleksi_uji")
    index = tiny.build(tmp_path / "idx", embedder)
    assert index.vectors.count() == 5
    client = index.vectors.client  # the store's own client on idx/chroma
    assert {c.name if hasattr(c, "name") else c for c in client.list_collections()} == {"koleksi_uji"}
    assert client.get_collection("koleksi_uji").count() == 5
    monkeypatch.delenv("TELUSUR_COLLECTION")
    assert Index(tmp_path / "idx").vectors.count() == 0  # the default collection holds nothing of it


def _linked_model_cache(root: Path) -> Path:
    """A model cache folder whose converted model links to the files of the one already converted."""
    source = e5_convert.converted_model_dir()
    e5_convert.ensure_converted_model()
    target = root / source.name
    target.mkdir(parents=True)
    for item in source.iterdir():
        (target / item.name).symlink_to(item)
    return target


def test_model_cache_is_where_the_model_is_read_from(tmp_path, monkeypatch):
    from ingest.embed import Embedder

    target = _linked_model_cache(tmp_path / "models")
    monkeypatch.setenv("TELUSUR_MODEL_CACHE", str(tmp_path / "models"))
    assert e5_convert.ensure_converted_model() == target.resolve()
    assert Path(Embedder(precision="fp32").model.tokenizer.name_or_path).resolve() == target.resolve()


def test_model_given_as_a_local_path_is_remembered_by_the_index(tmp_path, embedder, monkeypatch, capsys):
    folder = str(e5_convert.ensure_converted_model())
    dump = tiny.write_jsonl(tmp_path / "kecil.jsonl", tiny.records())
    idx = str(tmp_path / "idx")
    monkeypatch.setenv("TELUSUR_ENCODE_PROCESSES", "1")
    monkeypatch.setenv("TELUSUR_MODEL", folder)
    assert cli_main(["ingest", str(dump), "--index", idx, "--quiet"]) == 0
    assert Index(idx).get_meta("model") == folder
    monkeypatch.delenv("TELUSUR_MODEL")
    from search_app.search import open_searcher

    searcher = open_searcher(idx)  # no model named: the index's own
    assert searcher.embedder.model_id == folder
    vectors = Index(idx).vectors.get_vectors(Index(idx).passage_ids_of("kebun-a"), local=False)
    again = embedder.encode_passages(["Kebun buah Wonosari\n" + tiny.ARTICLES["kebun-a"][1]])[0]
    assert float(next(iter(vectors.values())) @ again) > 0.999  # the same weights, read from the path
    with pytest.raises(SystemExit, match="was built with model"):
        cli_main(["ingest", str(dump), "--index", idx, "--quiet", "--model", "multilingual-e5-small"])
    assert Index(idx).article_count() == 5  # nothing indexed was lost


def test_precision_setting_sets_the_weights_dtype(tiny_index, monkeypatch):
    import torch

    from search_app.search import open_searcher

    for value, dtype in (("bf16", torch.bfloat16), ("fp32", torch.float32)):
        monkeypatch.setenv("TELUSUR_PRECISION", value)
        embedder = open_searcher(tiny_index.directory).embedder
        assert embedder.precision == value
        assert next(embedder.model.parameters()).dtype == dtype


THREADS_SCRIPT = """
import os, sys, torch
from search_app.serving import configure_threads, make_app
configure_threads()
make_app(sys.argv[1], warm=False).config["SEARCHER"].embedder.model
print(torch.get_num_threads())
"""


@pytest.mark.parametrize("env, expected", [(None, 1), ("2", 2)])
def test_threads_serve_one_torch_thread_per_request_unless_set(tiny_index, env, expected):
    environ = {k: v for k, v in os.environ.items() if k != "TELUSUR_THREADS"}
    if env:
        environ["TELUSUR_THREADS"] = env
    done = subprocess.run([sys.executable, "-c", THREADS_SCRIPT, str(tiny_index.directory)], env=environ,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) == expected


def _spawned_children(pid: int) -> int:
    """How many multiprocessing-spawned children ``pid`` has now (read from /proc)."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        count += ppid == pid and b"spawn_main" in cmdline
    return count


@pytest.mark.parametrize("processes", [1, 2])
def test_encode_processes_sets_the_ingest_worker_count(tmp_path, processes):
    from ingest.embed import POOL_MIN_TEXTS

    many = [{**r, "id": f"{r['id']}-{n}", "text": f"{r['text']} Laporan ke-{n}."}
            for n in range(POOL_MIN_TEXTS // 5 + 1) for r in tiny.records()]  # enough passages for the workers
    dump = tiny.write_jsonl(tmp_path / "kecil.jsonl", many)
    proc = subprocess.Popen(telusur("ingest", str(dump), "--index", str(tmp_path / "idx"), "--quiet"),
                            env={**os.environ, "TELUSUR_ENCODE_PROCESSES": str(processes)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    most = 0
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        most = max(most, _spawned_children(proc.pid))
        time.sleep(0.05)
    assert proc.wait(timeout=60) == 0, proc.stderr.read()
    assert most == (0 if processes == 1 else processes)  # 1: encoded in-process
    assert Index(tmp_path / "idx").article_count() == len(many)
