"""The in-memory catalog of passage metadata that filters, grouping, date order and facets read."""

from __future__ import annotations

import json

from ingest.pipeline import ingest_paths
from ingest.store import Index
from search_app.catalog import ArticleMeta, Catalog, LiveCatalog
from tests.conftest import REPO


def test_catalog_holds_every_passage_with_its_articles_metadata(demo_index):
    catalog = Catalog.load(demo_index)
    rows = demo_index.db.execute(
        "SELECT p.passage_id, a.article_id, a.date, a.day, a.source, a.category, a.regions, "
        "COALESCE(a.cluster_id, a.article_id) FROM passages p JOIN articles a USING (article_id)").fetchall()
    assert len(catalog.by_passage) == len(rows) > 50
    for pid, aid, date, day, source, category, regions, cluster in rows:
        assert catalog.by_passage[pid] == ArticleMeta(aid, date, day, source, category,
                                                      tuple(json.loads(regions)), cluster)
    assert catalog.metas(["no-such-passage", rows[0][0]]).keys() == {rows[0][0]}


def test_catalog_metadata_is_what_the_dump_says(demo_index):
    """Checked against the demo JSONL file itself, not against the SQL the catalog reads."""
    catalog = Catalog.load(demo_index)
    records = [json.loads(line) for line in (REPO / "corpus" / "artikel.jsonl").open(encoding="utf-8")]
    by_article: dict[str, list[ArticleMeta]] = {}
    for meta in catalog.by_passage.values():
        by_article.setdefault(meta.article_id, []).append(meta)
    for record in records:
        metas = by_article[record["id"]]
        assert {(m.source, m.category) for m in metas} == {(record["source"], record["category"])}
        assert len({m.date for m in metas}) == 1 and metas[0].date  # every passage carries the article's date
    banyuwangi = by_article["snp-2024-0906-banyuwangi-surat-daring"][0]  # dated "6 September 2024" in the dump
    assert (banyuwangi.date[:10], banyuwangi.day) == ("2024-09-06", 20240906)
    assert "Kabupaten Banyuwangi" in banyuwangi.regions


def test_catalog_is_read_again_after_the_index_changes(tmp_path, embedder):
    index = Index(tmp_path / "index")
    files = sorted((REPO / "corpus" / "teks").iterdir())[:2]
    ingest_paths(files[:1], index, embedder, show_progress=False, log=lambda line: None)
    live = LiveCatalog(index)
    first = live.current()
    assert live.current() is first  # unchanged index: not read again
    ingest_paths(files, index, embedder, show_progress=False, log=lambda line: None)
    second = live.current()
    assert second is not first
    assert set(second.by_passage) == {r[0] for r in index.db.execute("SELECT passage_id FROM passages")}
    assert len(second.by_passage) > len(first.by_passage)


def test_a_passage_gone_between_ranking_and_reading_is_left_out(searcher, monkeypatch):
    full = searcher.search("inovasi daerah Lampung Barat", k=5)
    gone = full.results[0].passage_id
    read = searcher.index.passages
    monkeypatch.setattr(searcher.index, "passages", lambda ids: {k: v for k, v in read(ids).items() if k != gone})
    after = searcher.search("inovasi daerah Lampung Barat", k=5)
    assert [r.passage_id for r in after.results] == [r.passage_id for r in full.results[1:]]
