"""Filtered dense candidates without Chroma's ``where``: the vector table and the filter columns."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.vectable import VectorTable, table_dir
from search_app import filtering
from search_app.catalog import Catalog
from search_app.search import Filters

FILTERS = [
    Filters(sources=["Jurnal Desa"]),
    Filters(date_from="2024-01-01", date_to="2024-12-31"),
    Filters(date_from="2025-01-01"),
    Filters(categories=["Ekonomi", "Pendidikan"], date_to="2024-06-30"),
    Filters(regions=["Kabupaten Kulon Progo"]),
    Filters(sources=["Warta Daerah"], regions=["Jawa Barat"]),
    Filters(sources=["no such outlet"]),
]


@pytest.fixture(scope="module")
def local(searcher):
    found = searcher.local_vectors().current()
    assert found is not None, "ingest writes the vector table"
    return found


def test_ingest_writes_a_vector_table_matching_chroma(demo_index, local):
    table, _ = local
    ids = [r[0] for r in demo_index.db.execute("SELECT passage_id FROM passages ORDER BY article_id, position")]
    assert table.ids == ids  # rows in content order, not write order (tests/test_check.py)
    stored = demo_index.vectors.get_vectors(ids[:20], local=False)
    for pid in ids[:20]:
        np.testing.assert_allclose(table.matrix[table.rows[pid]], stored[pid], atol=1e-6)
    again = VectorTable.load(table_dir(demo_index.directory))
    assert again.ids == ids and isinstance(again.matrix, np.memmap)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f)[8:60])
def test_filter_columns_allow_exactly_what_filters_allow(demo_index, local, filters):
    table, columns = local
    metas = Catalog.load(demo_index).metas(table.ids)
    expected = np.array([filters.allows(metas[pid]) for pid in table.ids])
    np.testing.assert_array_equal(columns.allowed(filters), expected)
    if filters.sources != ["no such outlet"]:
        assert 0 < expected.sum() < len(expected)  # a case that allows some passages and not others


@pytest.mark.parametrize("filters", FILTERS[:5], ids=lambda f: repr(f)[8:60])
def test_filtered_candidates_hold_the_best_allowed_passages(searcher, local, filters, monkeypatch):
    table, columns = local
    monkeypatch.setattr(filtering, "FILTERED_DEPTH", 2)
    text = "inovasi daerah dan pelayanan publik"
    found, vector = searcher.filtered_dense_candidates(text, 2, filters)  # depth 2: the filter is selective
    allowed = np.flatnonzero(columns.allowed(filters))
    scores = table.matrix[allowed] @ vector
    best = {table.ids[allowed[i]] for i in np.argsort(-scores)[:2]}
    assert best <= set(found)
    unfiltered, _ = searcher.dense_candidates(text, 2)
    assert set(unfiltered) <= set(found)  # the unfiltered candidates stay (they feed the facet counts)


def test_filtered_search_finds_passages_beyond_the_unfiltered_depth(searcher, monkeypatch):
    monkeypatch.setattr("search_app.search.DEEP", 3)  # far fewer candidates than passages
    filters = Filters(sources=["Lintas Timur News"])
    response = searcher.search("inovasi daerah", filters=filters, k=5)
    assert response.results and all(r.source == "Lintas Timur News" for r in response.results)
