"""The passage-embedding cache: stored on first use, shared by indexes, only changed passages re-embedded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest.embcache import EmbeddingCache, cache_key, embed_with_cache
from ingest.pipeline import ingest_paths
from ingest.store import Index


def test_empty_cache_stores_and_serves(tmp_path):
    """Regression: an empty cache (length 0) must still be used, not treated as 'no cache'."""
    calls: list[int] = []

    def encode(texts):
        calls.append(len(texts))
        return np.arange(len(texts) * 3, dtype=np.float32).reshape(len(texts), 3) + 1

    cache = EmbeddingCache(tmp_path / "c.sqlite")
    first, encoded = embed_with_cache(["a", "b"], model="m", cache=cache, encode=encode)
    assert encoded == 2 and len(cache) == 2
    again, encoded = embed_with_cache(["b", "a", "c"], model="m", cache=cache, encode=encode)
    assert encoded == 1 and calls == [2, 1] and len(cache) == 3
    np.testing.assert_array_equal(again[0], first[1])
    np.testing.assert_array_equal(again[1], first[0])
    # the key is (model, text): another model's vectors are never served
    assert cache_key("m", "a") != cache_key("m2", "a")
    _, encoded = embed_with_cache(["a"], model="m2", cache=cache, encode=encode)
    assert encoded == 1


class CountingEmbedder:
    """The real embedder, counting the passages it is asked to encode."""

    def __init__(self, embedder):
        self.real = embedder
        self.name = embedder.name
        self.encoded = 0

    def encode_passages(self, texts, **kwargs):
        self.encoded += len(texts)
        return self.real.encode_passages(texts, **kwargs)


PARAGRAPH = ("Dinas Komunikasi dan Informatika Kabupaten Contoh meluncurkan layanan {n} untuk warga desa. "
             "Layanan ini memudahkan pengurusan surat keterangan tanpa harus datang ke kantor kecamatan. "
             "Kepala dinas mengatakan bahwa pada tahun pertama layanan {n} telah dipakai oleh ribuan warga. "
             "Petugas desa dilatih selama dua pekan sebelum layanan dibuka bagi masyarakat umum. ") * 5


def write_dump(path: Path, bodies: list[list[str]]) -> None:
    rows = [{"id": f"doc-{i}", "title": f"Layanan desa nomor {i}", "text": "\n\n".join(paragraphs),
             "date": f"2024-05-0{i + 1}", "source": "Contoh"} for i, paragraphs in enumerate(bodies)]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def articles():
    return [[PARAGRAPH.format(n=f"A{i}{j}") for j in range(3)] for i in range(3)]


def test_shared_cache_serves_a_second_index(tmp_path, embedder, articles):
    dump = tmp_path / "a.jsonl"
    write_dump(dump, articles)
    shared = tmp_path / "shared.sqlite"
    first_encoder, second_encoder = CountingEmbedder(embedder), CountingEmbedder(embedder)
    first = ingest_paths([dump], Index(tmp_path / "one"), first_encoder, show_progress=False,
                         log=lambda line: None, embed_cache=shared)
    assert first.added >= 6 and first.embedded == first.added == first_encoder.encoded
    assert len(EmbeddingCache(shared)) == first.added
    second = ingest_paths([dump], Index(tmp_path / "two"), second_encoder, show_progress=False,
                          log=lambda line: None, embed_cache=shared)
    assert second.added == first.added and second.embedded == 0 and second_encoder.encoded == 0
    one, two = Index(tmp_path / "one"), Index(tmp_path / "two")
    ids = one.passage_ids_of("doc-0")
    a, b = one.vectors.get_vectors(ids), two.vectors.get_vectors(ids)
    for pid in ids:
        np.testing.assert_allclose(a[pid], b[pid], atol=1e-6)


def test_default_cache_lives_in_the_index_and_changed_article_reembeds_only_changes(tmp_path, embedder,
                                                                                   articles, monkeypatch):
    monkeypatch.delenv("TELUSUR_EMBED_CACHE", raising=False)
    dump = tmp_path / "a.jsonl"
    write_dump(dump, articles)
    index = Index(tmp_path / "idx")
    first = ingest_paths([dump], index, CountingEmbedder(embedder), show_progress=False, log=lambda line: None)
    assert (tmp_path / "idx" / "embeddings.sqlite").is_file()
    assert len(EmbeddingCache(tmp_path / "idx" / "embeddings.sqlite")) == first.added
    changed = [list(p) for p in articles]
    changed[1][2] = PARAGRAPH.format(n="BARU")
    write_dump(dump, changed)
    counting = CountingEmbedder(embedder)
    again = ingest_paths([dump], index, counting, show_progress=False, log=lambda line: None)
    # only the passages whose text changed are encoded; the article's other passages come from the cache
    assert 1 <= again.embedded == counting.encoded < len(index.passage_ids_of("doc-1"))
    assert again.unchanged_articles == 2
