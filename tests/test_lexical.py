"""The BM25 lexical index: build, search, filters, atomic save and load."""

from __future__ import annotations

import json

import bm25s
import numpy as np
import pytest

from ingest.analyzer import analyze
from ingest.lexical import IDS_FILE, META_FILE, LexicalIndex

PASSAGES = {
    "p-asn": "Pemerintah kabupaten meningkatkan pelayanan ASN melalui aplikasi kepegawaian daring.",
    "p-apbd": "DPRD menyetujui APBD 2025 sebesar Rp1,2 triliun untuk pembangunan jalan desa.",
    "p-iga": "Kota Sukamaju meraih penghargaan IGA berkat 132 inovasi pelayanan publik.",
    "p-banjir": "Banjir merendam ratusan rumah warga di tepi sungai setelah hujan deras semalam.",
    "p-sekolah": "Dinas pendidikan membangun sekolah baru dan melatih guru di daerah terpencil.",
    "p-opd": "Setiap OPD wajib melaporkan inovasi daerah sebelum 6/8/2025 kepada bupati.",
    "p-pasar": "Harga beras di pasar tradisional naik 2,5 persen menjelang hari raya.",
    "p-kosong": "yang dan di ke dari",
}


def build(**kwargs) -> LexicalIndex:
    return LexicalIndex.build(list(PASSAGES), [analyze(t) for t in PASSAGES.values()], **kwargs)


def ids_of(hits):
    return [pid for pid, _ in hits]


@pytest.fixture
def index() -> LexicalIndex:
    return build()


def test_build_keeps_ids_in_row_order(index):
    assert index.ids == list(PASSAGES)
    assert len(index) == len(PASSAGES)


@pytest.mark.parametrize("query", ["inovasi pelayanan publik 132", "APBD 2025 jalan desa", "banjir", "yang",
                                   "inovasi inovasi daerah kata-tak-dikenal"])
def test_held_terms_counts_distinct_query_terms_per_passage(index, query):
    terms = analyze(query)
    ids = [*PASSAGES, "not-indexed"]
    expected = [len(set(terms) & set(analyze(PASSAGES.get(pid, "")))) for pid in ids]
    assert index.held_terms(terms, ids).tolist() == expected


def test_ranking_sanity(index):
    assert ids_of(index.search(analyze("pelayanan ASN"), 3))[0] == "p-asn"
    assert ids_of(index.search(analyze("berapa APBD tahun 2025?"), 3))[0] == "p-apbd"
    assert ids_of(index.search(analyze("harga beras naik"), 3))[0] == "p-pasar"
    assert ids_of(index.search(analyze("rumah warga kebanjiran"), 3))[0] == "p-banjir"


def test_only_matching_passages_best_first(index):
    hits = index.search(analyze("inovasi pelayanan"), 10)
    assert set(ids_of(hits)) == {"p-asn", "p-iga", "p-opd"}
    assert ids_of(hits)[0] == "p-iga"  # has both terms
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert all(isinstance(s, float) for s in scores)


def test_k_limits_results(index):
    assert len(index.search(analyze("inovasi pelayanan"), 2)) == 2
    assert index.search(analyze("inovasi"), 0) == []


def test_scores_agree_with_bm25s(index):
    query = analyze("inovasi pelayanan publik daerah")
    reference = bm25s.BM25(k1=0.9, b=0.5)
    reference.index([analyze(t) for t in PASSAGES.values()], show_progress=False)
    expected = reference.get_scores(query)
    for pid, score in index.search(query, 10):
        assert score == pytest.approx(float(expected[index.ids.index(pid)]), rel=1e-6)


@pytest.mark.parametrize("query", [[], ["tidakadadikorpus"], analyze("yang dan di")])
def test_empty_or_unknown_query_finds_nothing(index, query):
    assert index.search(query, 5) == []


def test_allowed_mask_is_respected(index):
    query = analyze("inovasi pelayanan")
    allowed = index.mask(["p-asn", "p-opd", "p-banjir", "tidak-ada"])
    assert allowed.dtype == bool and allowed.sum() == 3
    hits = index.search(query, 10, allowed=allowed)
    assert set(ids_of(hits)) == {"p-asn", "p-opd"}
    assert index.search(query, 10, allowed=np.zeros(len(index), dtype=bool)) == []
    assert index.search(query, 10, allowed=np.ones(len(index), dtype=bool)) == index.search(query, 10)


def test_allowed_mask_must_match_rows(index):
    with pytest.raises(ValueError, match="boolean mask"):
        index.search(analyze("inovasi"), 5, allowed=np.ones(3, dtype=bool))
    with pytest.raises(ValueError, match="boolean mask"):
        index.search(analyze("inovasi"), 5, allowed=np.ones(len(index), dtype=int))


def test_parameters_change_scores():
    query = analyze("inovasi pelayanan")
    assert build(k1=1.2, b=0.75).search(query, 3) != build().search(query, 3)


def test_build_rejects_bad_input():
    with pytest.raises(ValueError, match="token lists"):
        LexicalIndex.build(["a", "b"], [["x"]])
    with pytest.raises(ValueError, match="unique"):
        LexicalIndex.build(["a", "a"], [["x"], ["y"]])


@pytest.mark.parametrize("mmap", [True, False])
def test_save_load_roundtrip(index, tmp_path, mmap):
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical", mmap=mmap)
    assert loaded.ids == index.ids and len(loaded) == len(index)
    for text in ["pelayanan ASN", "APBD 2025", "inovasi daerah 6/8/2025", "harga beras"]:
        assert loaded.search(analyze(text), 5) == index.search(analyze(text), 5)
    allowed = loaded.mask(["p-iga"])
    assert ids_of(loaded.search(analyze("inovasi"), 5, allowed=allowed)) == ["p-iga"]
    meta = json.loads((tmp_path / "lexical" / META_FILE).read_text())
    assert meta["passages"] == len(PASSAGES) and meta["k1"] == 0.9 and meta["b"] == 0.5


def test_mmap_load_is_read_only(index, tmp_path):
    index.save(tmp_path / "lexical")
    data = LexicalIndex.load(tmp_path / "lexical").retriever.scores["data"]
    assert isinstance(data, np.memmap) and not data.flags.writeable


def test_open_reader_survives_a_rebuild(index, tmp_path):
    target = tmp_path / "lexical"
    index.save(target)
    reader = LexicalIndex.load(target, mmap=True)
    before = reader.search(analyze("inovasi pelayanan"), 5)
    LexicalIndex.build(["baru"], [["inovasi"]]).save(target)
    assert reader.search(analyze("inovasi pelayanan"), 5) == before
    assert LexicalIndex.load(target).search(["inovasi"], 5)[0][0] == "baru"


def test_save_replaces_previous_index_and_leaves_no_temp(index, tmp_path):
    target = tmp_path / "lexical"
    LexicalIndex.build(["lama"], [["banjir"]]).save(target)
    index.save(target)
    assert LexicalIndex.load(target).ids == index.ids
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lexical"]


def test_failed_save_keeps_old_index(index, tmp_path, monkeypatch):
    target = tmp_path / "lexical"
    index.save(target)
    before = LexicalIndex.load(target).search(analyze("pelayanan"), 5)

    def broken_save(self, directory, **kwargs):
        (directory / "data.csc.index.npy").write_bytes(b"half written")
        raise OSError("disk full")

    monkeypatch.setattr(bm25s.BM25, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        LexicalIndex.build(["baru"], [["pelayanan"]]).save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lexical"]
    assert LexicalIndex.load(target).search(analyze("pelayanan"), 5) == before


def test_save_removes_temp_dirs_of_a_killed_writer(index, tmp_path):
    (tmp_path / ".lexical.tmp-abc123").mkdir()
    (tmp_path / ".lexical.tmp-abc123" / "data.csc.index.npy").write_bytes(b"half")
    index.save(tmp_path / "lexical")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lexical"]


def test_crash_between_renames_falls_back_to_old_copy(index, tmp_path):
    target = tmp_path / "lexical"
    index.save(target)
    target.rename(tmp_path / ".lexical.old")  # what a crash between the two renames leaves
    assert LexicalIndex.load(target).ids == index.ids
    index.save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lexical"]


def test_load_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no lexical index at .*nowhere"):
        LexicalIndex.load(tmp_path / "nowhere")


def test_load_incomplete_directory_is_a_clear_error(index, tmp_path):
    target = tmp_path / "lexical"
    index.save(target)
    (target / META_FILE).unlink()
    with pytest.raises(FileNotFoundError, match="not a complete lexical index"):
        LexicalIndex.load(target)


def test_load_rejects_mismatched_ids(index, tmp_path):
    target = tmp_path / "lexical"
    index.save(target)
    (target / IDS_FILE).write_text(json.dumps(["satu"]))
    with pytest.raises(ValueError, match="ids"):
        LexicalIndex.load(target)


@pytest.mark.parametrize(("ids", "tokens"), [([], []), (["a", "b"], [[], []])])
def test_index_without_terms(tmp_path, ids, tokens):
    empty = LexicalIndex.build(ids, tokens)
    assert len(empty) == len(ids) and empty.search(["banjir"], 5) == []
    empty.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded.ids == ids and loaded.search(["banjir"], 5) == []


def test_passage_without_terms_among_others():
    index = LexicalIndex.build(["a", "b", "c"], [["banjir", "sungai"], [], ["sungai"]])
    assert ids_of(index.search(["sungai"], 5)) == ["c", "a"]
