"""`telusur check` finds each broken invariant between the stores, `--repair` rebuilds it from the ledger and
the embedding cache, `telusur serve` refuses an inconsistent index, and two kill windows the crash campaign
found are closed (a kill after pruning, a kill between the Chroma upsert and the ledger commit)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from ingest.check import check
from ingest.embcache import EmbeddingCache, cache_path
from ingest.formats.dumps import record_to_article
from ingest.lexical import LexicalIndex
from ingest.pipeline import Ingester, passage_rows, rebuild_lexical
from ingest.repair import repair
from ingest.store import Index
from ingest.vectable import VectorTable, table_dir
from tests.servers import free_port, telusur

TOPICS = ("irigasi sawah", "jalan desa", "posyandu balita", "sekolah dasar", "pasar rakyat", "air bersih")


def _record(i: int, source: str = "Uji") -> dict:
    return {"id": f"k{i}", "title": f"Program {TOPICS[i % 6]} nomor {i}",
            "text": f"Pemerintah desa meresmikan program {TOPICS[i % 6]} ke-{i} dengan anggaran {i * 7} juta rupiah. "
                    f"Warga dusun {i} menyambut baik program itu dan berharap berlanjut tahun depan.",
            "date": f"2024-02-{1 + i:02d}", "source": source, "category": "Daerah"}


def _ingest(index: Index, embedder, records: list[dict]) -> Ingester:
    with index.writing():
        ingester = Ingester(index, embedder)
        for record in records:
            ingester.add(record_to_article(record, "uji.jsonl", "uji"))
        ingester.finish()
    return ingester


@pytest.fixture()
def index(tmp_path, embedder) -> Index:
    index = Index(tmp_path / "idx")
    _ingest(index, embedder, [_record(i) for i in range(6)])
    return index


def _lines(index: Index) -> list[str]:
    return [p.line() for p in check(index).problems]


def _encoder_never_needed():
    raise AssertionError("the cache holds every vector: nothing may be embedded")


def test_a_fresh_index_checks_clean_and_the_cli_agrees(index):
    report = check(index)
    assert report.ok, report.problems
    assert report.counts["passages"] == report.counts["chroma"] == report.counts["vectors"] == 6
    assert report.counts["vectors_compared"] == 6
    done = subprocess.run(telusur("check", "--index", str(index.directory), "--json"), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True


def test_every_broken_store_is_named_and_repair_rebuilds_it_from_the_cache(index):
    ids = [r[0] for r in index.db.execute("SELECT passage_id FROM passages ORDER BY article_id")]
    dim = index.vectors.get_vectors(ids[:1], local=False)[ids[0]].shape[0]
    index.vectors.delete([ids[0]])  # a ledger passage without its vector
    ghost = np.full((1, dim), 1 / np.sqrt(dim), dtype=np.float32)
    index.vectors.upsert(["hantu"], ghost, [{"article_id": "k0", "position": 9, "source": "x", "category": "y"}])
    index.vectors.collection.update(ids=[ids[1]], metadatas=[{"article_id": "k1", "position": 0,
                                                              "source": "Salah", "category": "Daerah"}])
    table = VectorTable.load(table_dir(index.directory), mmap=False)
    matrix = np.array(table.matrix)
    matrix[table.rows[ids[2]]] *= -1  # the table's row no longer equals Chroma's vector
    VectorTable(table.ids, matrix).save(table_dir(index.directory))
    LexicalIndex.build(ids[3:], [["kata"]] * 3).save(index.lexical_dir)  # BM25 lost three passages
    (index.directory / ".vectors.tmp-mati").mkdir()  # a killed rebuild's leftover
    lines = _lines(index)
    expected = [f"chroma: 1 passage(s) of the ledger missing (e.g. {ids[0]})",
                "chroma: 1 passage(s) that the ledger does not hold (e.g. hantu)",
                f"chroma: 1 vector(s) whose metadata (article, position, source, category, day) disagrees with the "
                f"ledger (e.g. {ids[1]})",
                "lexical: 3 passage(s) of the ledger missing",
                f"vectors: 1 row(s) differ from the vector in Chroma (e.g. {ids[2]})",
                "vectors: 1 temporary or old director(ies) of an interrupted rebuild left (e.g. .vectors.tmp-mati)"]
    for line in expected:
        assert any(got.startswith(line) for got in lines), (line, lines)
    done = subprocess.run(telusur("check", "--index", str(index.directory)), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1 and len(done.stdout.strip().splitlines()) == len(lines) + 1, done.stdout

    cache = EmbeddingCache(cache_path(index.directory))
    fixed = repair(index, cache, _encoder_never_needed)
    assert fixed.after.ok, fixed.after.problems
    assert fixed.embedded == 0 and fixed.from_cache == 6
    assert check(index).ok
    assert LexicalIndex.load(index.lexical_dir).ids and len(LexicalIndex.load(index.lexical_dir)) == 6

    # a vector that only an encoder can give back: embedded once, and said so
    with cache.db:
        cache.db.execute("DELETE FROM vectors")
    index.vectors.delete([ids[4]])
    calls = []

    def encoder():
        calls.append(1)
        return index_embedder(index).encode_passages

    again = repair(index, cache, encoder)
    assert again.after.ok and again.embedded == 1 and calls == [1]
    cache.close()


def index_embedder(index: Index):
    from ingest.embed import Embedder

    return Embedder(index.get_meta("model"))


def test_serve_refuses_an_inconsistent_index_and_names_the_repair(index):
    first = [r[0] for r in index.db.execute("SELECT passage_id FROM passages LIMIT 1")]
    index.vectors.delete(first)
    proc = subprocess.Popen(telusur("serve", "--index", str(index.directory), "--port", str(free_port())),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("serve started on an inconsistent index")
    assert proc.returncode == 1
    assert "chroma: 1 passage(s) of the ledger missing" in stderr
    assert f"telusur check --index {index.directory} --repair" in stderr


def test_a_kill_after_pruning_is_settled_by_the_next_reader(index, embedder, monkeypatch):
    """The campaign's finds: a run killed after ``--prune`` removed articles from the ledger left BM25 and the
    vector table holding them, with nothing unpublished for a reader to notice, and (when the kill came before
    the stale mark, which was set after the removal) nothing marked stale either."""

    remove = Index.remove_articles

    def killed(self, ids):
        remove(self, ids)
        raise SystemExit("killed")  # the kill: removal done (ledger and Chroma), nothing rebuilt

    monkeypatch.setattr(Index, "remove_articles", killed)
    with index.writing(), pytest.raises(SystemExit):
        Ingester(index, embedder).prune(set())  # every article's file ("uji.jsonl") is gone
    monkeypatch.undo()
    stale = check(index, recover_first=False)
    assert any(p.line().startswith("lexical: 6 passage(s) that the ledger does not hold") for p in stale.problems)
    assert any(p.line().startswith("meta: lexical_stale is set") for p in stale.problems)
    report = check(index)  # as every reader, it settles what the killed writer left
    assert report.ok, report.problems
    assert len(LexicalIndex.load(index.lexical_dir)) == 0 and index.vectors.count() == 0


def test_vectors_upserted_but_never_committed_leave_no_orphan(index, embedder, monkeypatch):
    """A writer killed between the Chroma upsert and the ledger commit: the ids it was writing are recorded
    first, so the next writer or reader deletes the vectors that the ledger never got."""
    article = record_to_article(_record(7), "uji.jsonl", "uji")
    rows = passage_rows(article)
    vectors = embedder.encode_passages([r.text for r in rows])

    def killed(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(Index, "put_article", killed)
    with pytest.raises(SystemExit):
        index.put_articles([(article, rows, vectors)])
    monkeypatch.undo()
    assert index.vectors.count() == 6 + len(rows)  # the vectors reached Chroma, the ledger has nothing
    report = check(index)
    assert report.ok, report.problems
    assert index.vectors.count() == 6


def test_check_says_when_a_writer_is_busy_and_checks_the_ledger_only(index):
    with index.writing():
        report = check(index)
    assert report.ok and "a writer is busy: only the ledger was checked" in report.notes
    assert "chroma" not in report.counts


def test_rebuilt_lexical_rows_follow_content_not_write_history(index, embedder):
    """BM25 rows (and so the order of tied scores) are in (article, position) order, whatever order the ledger
    was written in: a re-ingested article must not move ahead of others with equal scores."""
    _ingest(index, embedder, [_record(0, source="Lain")])  # rewrites k0's rows at the end of the table
    ids = rebuild_lexical(index).ids
    order = [r[0] for r in index.db.execute("SELECT passage_id FROM passages ORDER BY article_id, position")]
    assert ids == order


def test_an_index_from_before_the_vector_table_is_completed_by_its_first_reader(index):
    """``telusur serve`` refuses inconsistent indexes; one built before BM25 files or the vector table existed is
    not refused but completed: its first reader (here the check) builds what it lacks."""
    import shutil

    shutil.rmtree(table_dir(index.directory))
    report = check(index)
    assert report.ok, report.problems
    assert len(VectorTable.load(table_dir(index.directory))) == 6


def test_the_startup_check_skips_the_listings_but_not_a_missing_vector(index):
    """``telusur serve``'s check: equal counts list nothing (ids, metadata, SQLite's quick_check); a count that
    disagrees falls back to the listing, which names the passage."""
    quiet = check(index, startup=True)
    assert quiet.ok and quiet.startup and quiet.quick
    assert quiet.counts["chroma"] == quiet.counts["passages"] == 6
    assert quiet.counts["vectors_compared"] == 6  # the sample still reads every vector of a small index
    first = [r[0] for r in index.db.execute("SELECT passage_id FROM passages LIMIT 1")]
    index.vectors.delete(first)
    found = check(index, startup=True)
    assert [p.line() for p in found.problems if p.store == "chroma"] == [
        f"chroma: 1 passage(s) of the ledger missing (e.g. {first[0]})"]
