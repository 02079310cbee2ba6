"""A tiny corpus written for the tests (five one-passage articles) and helpers to index and serve it.

Small enough to build in a few seconds, so that a test can prove an exact set: which articles a query matches,
which dates a range keeps, how many passages the index holds.
"""

from __future__ import annotations

import json
from pathlib import Path

# id -> (title, text, date). Query terms of the must-match tests: alpukat, durian, manggis, rambutan.
ARTICLES = {
    "kebun-a": ("Kebun buah Wonosari", "Petani Wonosari memanen alpukat dan durian pada musim hujan tahun ini.",
                "2024-03-01"),
    "pasar-b": ("Pasar Wonosari ramai", "Harga alpukat di pasar Wonosari naik menjelang akhir pekan.", "2024-03-02"),
    "lereng-c": ("Manggis dari Wonosari", "Petani di lereng bukit juga menanam rambutan untuk dijual ke kota.",
                 "2024-03-03"),
    "pegawai-d": ("Pegawai kecamatan dilatih",
                  "Sebanyak 40 Aparatur Sipil Negara mengikuti pelatihan layanan daring di kantor kecamatan.",
                  "2024-03-04"),
    "jalan-e": ("Jalan desa diperbaiki",
                "Pemerintah desa memperbaiki jalan rusak sepanjang dua kilometer dengan dana swadaya warga.",
                "2024-03-05"),
}


def records(**changes: dict) -> list[dict]:
    """The tiny corpus as dump records; ``changes`` maps an id to fields to replace (None drops the article)."""
    out = []
    for article_id, (title, text, date) in ARTICLES.items():
        record = {"id": article_id, "title": title, "text": text, "date": date, "source": "Kabar Uji",
                  "url": f"https://uji.example/{article_id}", "category": "Daerah"}
        if article_id in changes and changes[article_id] is None:
            continue
        out.append({**record, **changes.get(article_id, {})})
    return out


def long_record() -> dict:
    """A sixth article, long enough to be split into several passages."""
    text = "\n\n".join(
        f"Bagian {n}: kelompok tani alpukat di Wonosari mencatat panen alpukat ke-{n} sebanyak {n * 3} ton. "
        + "Pengurus koperasi menjelaskan cara sortir, pengemasan, dan pengiriman buah ke pasar induk kota. " * 4
        for n in range(1, 9))
    return {"id": "panjang-f", "title": "Catatan panen alpukat", "text": text, "date": "2024-03-06",
            "source": "Kabar Uji", "category": "Daerah"}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def build(directory: Path, embedder, rows: list[dict] | None = None):
    """An index of the tiny corpus (or of ``rows``) in ``directory``, built with the real ingest."""
    from ingest.pipeline import ingest_paths
    from ingest.store import Index

    dump = write_jsonl(directory.parent / f"{directory.name}.jsonl", rows or records())
    index = Index(directory)
    report = ingest_paths([dump], index, embedder, show_progress=False, log=lambda line: None)
    assert not report.skipped, report.skipped
    return index


def client(index, embedder, **config):
    """A test client of the real app over ``index``."""
    from search_app.app import create_app
    from search_app.search import Searcher

    return create_app({"SEARCHER": Searcher(index, embedder), "TESTING": True, **config}).test_client()


def judged_split(tmp_path: Path, monkeypatch, queries: list[dict], judged: dict[str, str]) -> Path:
    """The tiny corpus as a judged split in ``tmp_path/kecil/`` (``queries`` records, ``judged``: query id ->
    article id); HOME and the embedding cache point into tmp, so its evaluation index does too (the model stays)."""
    from ingest import e5_convert

    monkeypatch.setenv("TELUSUR_MODEL_CACHE", str(e5_convert.default_cache_root()))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TELUSUR_EMBED_CACHE", str(tmp_path / "embeddings.sqlite"))
    folder = tmp_path / "kecil"
    folder.mkdir()
    write_jsonl(folder / "corpus.jsonl", records())
    write_jsonl(folder / "queries.jsonl", queries)
    (folder / "qrels.tsv").write_text("".join(f"{q}\t{doc}\t1\n" for q, doc in judged.items()))
    return folder
