"""Search results depend on what an index holds, not on the order it was written in.

Two indexes hold the same 600 passages: one written in one go, the other after holding 300 other passages, then
pruned and completed in another order (what `telusur ingest --prune` over a changing folder does, and what the
crash campaign's rounds do). Chroma's HNSW graph differs between them, so its approximate neighbours differ
(setting ``exact_dense`` 0 shows it); the dense candidates that search uses, and so every mode's results, must not.

Real ingest (Ingester, Chroma, SQLite, BM25, vector table) and the real model for the queries; the passage
vectors come from the embedding cache, filled beforehand with vectors around the real embeddings of six topics
(clustered, as real ones are), so no passage is embedded and the test stays short.
"""

from __future__ import annotations

import numpy as np
import pytest

from ingest.embcache import EmbeddingCache, cache_key
from ingest.formats.dumps import record_to_article
from ingest.pipeline import Ingester, embedding_text, passage_rows, vectors_name
from ingest.store import Index

TOPICS = ("irigasi sawah petani", "jalan desa rusak", "posyandu balita gizi", "sekolah dasar guru",
          "pasar rakyat pedagang", "air bersih sumur")
QUERIES = [f"program {t}" for t in TOPICS] + [f"anggaran {t} kabupaten" for t in TOPICS]
DEPTH = 100


def _record(i: int) -> dict:
    topic = TOPICS[i % len(TOPICS)]
    return {"id": f"h{i}", "title": f"Kabar {topic} nomor {i}",
            "text": f"Warga dusun {i} membahas {topic} bersama {i % 17} kelompok dengan anggaran {i * 3} juta.",
            "date": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "source": f"Media {i % 3}", "category": "Daerah"}


def _fill_cache(cache: EmbeddingCache, embedder, records: list[dict], origin: str) -> None:
    """Each passage's vector: its topic's real embedding plus noise of about the same size, normalised."""
    rng = np.random.default_rng(5)
    centres = embedder.encode_passages([f"Kabar {t}" for t in TOPICS])
    items = []
    for i, record in enumerate(records):
        article = record_to_article(record, origin, origin)
        for row in passage_rows(article):
            vector = centres[i % len(TOPICS)] + rng.normal(0, 1 / np.sqrt(centres.shape[1]), centres.shape[1])
            items.append((cache_key(vectors_name(embedder), embedding_text(article, row)),
                          (vector / np.linalg.norm(vector)).astype(np.float32)))
    cache.put_many(items)


def _ingest(index: Index, embedder, cache: EmbeddingCache, records: list[dict], origin: str) -> None:
    """One run over the dump ``origin`` holding ``records``, with --prune."""
    with index.writing():
        ingester = Ingester(index, embedder, cache=cache)
        for record in records:
            ingester.add(record_to_article(record, origin, origin))
        ingester.prune({origin})
        ingester.finish()
    assert ingester.report.embedded == 0  # every vector came from the cache


@pytest.fixture(scope="module")
def twins(tmp_path_factory, embedder) -> tuple[Index, Index]:
    """(written in one go, written with a history) holding the same passages."""
    folder = tmp_path_factory.mktemp("history")
    origin = folder / "dump.jsonl"
    origin.write_text("", encoding="utf-8")  # prune keeps the articles of an origin that exists
    kept, other = [_record(i) for i in range(600)], [_record(i) for i in range(600, 900)]
    cache = EmbeddingCache(folder / "embeddings.sqlite")
    _fill_cache(cache, embedder, kept + other, str(origin))
    fresh, cycled = Index(folder / "fresh"), Index(folder / "cycled")
    _ingest(fresh, embedder, cache, kept, str(origin))
    _ingest(cycled, embedder, cache, other + kept[::2], str(origin))
    _ingest(cycled, embedder, cache, kept[::-1], str(origin))  # the others pruned, the rest added in reverse
    cache.close()
    return fresh, cycled


def _searcher(index: Index, embedder):
    from search_app.search import Searcher

    return Searcher(Index(index.directory), embedder)  # a new Index: Chroma's client reads the settings anew


def test_two_write_histories_give_the_same_candidates_and_results(twins, embedder):
    fresh, cycled = (_searcher(index, embedder) for index in twins)
    assert sorted(fresh.index.first_passage_ids()) == sorted(cycled.index.first_passage_ids())
    for query in QUERIES:
        a, b = fresh.dense_candidates(query, DEPTH)[0], cycled.dense_candidates(query, DEPTH)[0]
        assert list(a.items()) == list(b.items()), query
        for mode in ("hybrid", "dense", "bm25"):
            got = [(r.passage_id, r.score) for r in cycled.search(query, k=10, mode=mode).results]
            assert got == [(r.passage_id, r.score) for r in fresh.search(query, k=10, mode=mode).results], (mode, query)


def test_with_exact_dense_off_chroma_answers_and_its_graph_remembers_the_history(twins, embedder, monkeypatch):
    """The control: with ``exact_dense`` 0 the candidates come from Chroma's HNSW graph, and they differ between
    the twins for some query (else the test above would prove nothing)."""
    monkeypatch.setenv("TELUSUR_EXACT_DENSE", "0")
    fresh, cycled = (_searcher(index, embedder) for index in twins)
    differing = [q for q in QUERIES
                 if set(fresh.dense_candidates(q, DEPTH)[0]) != set(cycled.dense_candidates(q, DEPTH)[0])]
    assert differing, "Chroma's approximate neighbours were identical for both write histories"


def test_the_exact_scan_scores_like_one_product_and_breaks_ties_by_id():
    """``VectorTable.nearest`` scores the table in blocks (one thread) yet gives exactly the scores of one product
    over every row; equal scores come in passage-id order, whatever the row order."""
    from ingest.vectable import SCAN_ROWS, VectorTable

    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(3 * SCAN_ROWS + 17, 64)).astype(np.float32)
    matrix[-1] = matrix[5]  # a tie: the same vector under a smaller id, stored last
    ids = [f"p{i:05d}" for i in range(len(matrix))]
    ids[-1] = "a-first"
    table = VectorTable(ids, matrix)
    for _ in range(5):
        vector = rng.normal(size=64).astype(np.float32)
        whole = matrix @ vector
        got = table.nearest(vector, 50)
        assert [s for _, s in got] == sorted(whole.tolist(), reverse=True)[:50]
        assert got == table.top(vector, np.arange(len(matrix)), 50)
    tied = table.nearest(matrix[5], 2)
    assert [pid for pid, _ in tied] == ["a-first", "p00005"] and tied[0][1] == tied[1][1]
