"""Wire copies: near-duplicate detection (MinHash LSH over 3-word shingles), clusters, one result per cluster."""

from __future__ import annotations

import itertools
import json
import random
import sqlite3

import pytest

from ingest import wire

# The demo corpus's wire-copy groups and same-event-different-story pairs (corpus/README.md), by title start.
WIRE_GROUPS = [("Tanggamus Luncurkan SiPANDU", "Disdukcapil Tanggamus Jemput Bola"),
               ("Banyuwangi Luncurkan Desa Melayani", "217 Desa dan Kelurahan di Banyuwangi"),
               ("Panen Raya Cabai di Lahan Pasir", "Lelang Cabai Bantu Petani")]
SAME_EVENT = [("Banjir Rendam Tujuh Kecamatan", "Usai Banjir, Pedagang Pasar Siteba"),
              ("Kemendagri Umumkan Penerima IGA 2023", "Gorontalo Sabet Predikat Provinsi"),
              ("Banjir Rendam Tujuh Kecamatan", "DPRD Kota Padang Sahkan APBD 2025")]


def _by_title(index) -> dict[str, sqlite3.Row]:
    return {r["title"]: r for r in index.db.execute("SELECT * FROM articles")}


def _find(rows: dict, start: str):
    (row,) = [r for title, r in rows.items() if title.startswith(start)]
    return row


def test_demo_wire_groups_cluster_and_same_event_stories_do_not(demo_index):
    rows = _by_title(demo_index)
    for a, b in WIRE_GROUPS:
        first, copy = _find(rows, a), _find(rows, b)
        assert first["cluster_id"] == copy["cluster_id"] == first["article_id"]  # named after the earliest
        assert first["date"][:10] < copy["date"][:10]
    for a, b in SAME_EVENT:
        assert _find(rows, a)["cluster_id"] != _find(rows, b)["cluster_id"]
    sizes = [n for (n,) in demo_index.db.execute("SELECT COUNT(*) FROM articles GROUP BY cluster_id")]
    assert sorted(sizes)[-3:] == [2, 2, 2] and sizes.count(1) == len(sizes) - 3


def test_threshold_separates_every_demo_pair(demo_index):
    """The measurement behind THRESHOLD: every demo pair, wire copies above it, all others far below."""
    rows = list(demo_index.db.execute("SELECT title, text FROM articles"))
    grams = {r["title"]: wire.shingles(r["text"]) for r in rows}
    def title(start: str) -> str:
        return next(t for t in grams if t.startswith(start))

    wire_pairs = {frozenset((title(a), title(b))) for a, b in WIRE_GROUPS}
    copies, others = [], []
    for x, y in itertools.combinations(grams, 2):
        (copies if frozenset((x, y)) in wire_pairs else others).append(wire.jaccard(grams[x], grams[y]))
    assert len(copies) == 3 and min(copies) >= 0.6 > wire.THRESHOLD
    assert max(others) < 0.15 < wire.THRESHOLD


def _edited_copy(text: str, rng: random.Random) -> str:
    """A republished copy: paragraphs reordered, the ending trimmed, a few words and the dateline changed."""
    paras = text.split("\n\n")
    paras = paras[:-1]  # trimmed ending
    paras[1], paras[2] = paras[2], paras[1]  # reordered
    body = "\n\n".join(paras)
    for old, new in (("mengatakan", "menyatakan"), (" kata ", " ujar "), ("tersebut", "itu"), ("Selain itu", "Lalu")):
        body = body.replace(old, new)
    words = body.split(" ")
    for _ in range(3):  # and three words dropped here and there
        del words[rng.randrange(len(words))]
    return "KOTA (Telusur) - " + " ".join(words)


def _cluster_store() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript("CREATE TABLE articles (article_id TEXT PRIMARY KEY, text TEXT, date TEXT, cluster_id TEXT);"
                     + wire.SCHEMA)
    return db


def _add(db: sqlite3.Connection, article_id: str, text: str, date: str) -> str:
    db.execute("INSERT OR REPLACE INTO articles VALUES (?,?,?,?)", (article_id, text, date, article_id))
    return wire.link(db, article_id, text)


def test_real_articles_precision_and_recall(shared_data):
    """All 3,463 IndoSum articles plus 60 edited copies: every copy joins its original (recall 1.0) and no two
    different real articles merge (precision 1.0), including the hardest real pairs."""
    rows = [json.loads(line) for line in (shared_data / "indosum-news" / "corpus.jsonl").open(encoding="utf-8")]
    rng = random.Random(7)
    originals = [r for r in rows if r["text"].count("\n\n") >= 6][::25][:60]
    db = _cluster_store()
    for r in rows:
        _add(db, r["id"], r["text"], r["date"])
    for r in originals:
        _add(db, "copy-" + r["id"], _edited_copy(r["text"], rng), "2099-01-01")  # published later
    links = [(a, b) for a, b in db.execute("SELECT a, b FROM wire_links")]
    true_links = [(a, b) for a, b in links if a.startswith("copy-") != b.startswith("copy-")
                  and a.removeprefix("copy-") == b.removeprefix("copy-")]
    precision = len(true_links) / len(links)
    recall = len(true_links) / len(originals)
    print(f"wire copies on real articles: precision {precision:.3f}, recall {recall:.3f} "
          f"({len(links)} links, {len(originals)} edited copies)")
    assert precision == 1.0 and recall == 1.0
    cluster = dict(db.execute("SELECT article_id, cluster_id FROM articles"))
    for r in originals:
        assert cluster["copy-" + r["id"]] == cluster[r["id"]] == r["id"]  # the original is the earliest
    # Same event, different reports (Antara and Rimanews on the Cilacap crash) and two CNN stories sharing
    # background paragraphs (Jaccard 0.41, the most similar distinct pair in the corpus) stay apart.
    titles = {}
    for r in rows:
        titles.setdefault(r["title"].lower(), []).append(r["id"])
    cilacap = titles["pesawat latih jatuh di persawahan cilacap"]
    amien = titles["amien rais akan temui kpk klarifikasi soal duit rp600 juta"] + \
        titles["amien rais i know much better"]
    for pair in (cilacap, amien):
        assert len(pair) == 2 and cluster[pair[0]] != cluster[pair[1]]


def test_clusters_are_incremental_and_survive_reingest_prune_and_restart(tmp_path, embedder, shared_data):
    from ingest.pipeline import ingest_paths
    from ingest.store import Index

    rows = [json.loads(line) for line in (shared_data / "indosum-news" / "corpus.jsonl").open(encoding="utf-8")]
    original = next(r for r in rows if r["text"].count("\n\n") >= 6 and r["source"] == "antaranews")
    copy = {**original, "id": "salinan", "title": "Judul baru", "date": "2030-01-02",
            "text": _edited_copy(original["text"], random.Random(1))}
    earlier = {**copy, "id": "lebih-awal", "date": "2000-01-01"}
    corpus = tmp_path / "corpus"
    corpus.mkdir()

    def write(name: str, record: dict) -> None:
        (corpus / name).write_text(json.dumps(record) + "\n", encoding="utf-8")

    def run(prune: bool = False) -> dict[str, str]:
        index = Index(tmp_path / "idx")  # a fresh Index each time: what a restart sees
        report = ingest_paths([corpus], index, embedder, prune=prune, show_progress=False, log=lambda line: None)
        assert not report.skipped
        return dict(index.db.execute("SELECT article_id, cluster_id FROM articles"))

    write("a.jsonl", original)
    assert run() == {original["id"]: original["id"]}
    write("b.jsonl", copy)
    assert run() == {original["id"]: original["id"], "salinan": original["id"]}  # joined incrementally
    assert run() == {original["id"]: original["id"], "salinan": original["id"]}  # re-ingest changes nothing
    write("c.jsonl", earlier)
    assert set(run().values()) == {"lebih-awal"}  # an earlier copy now names the cluster
    (corpus / "c.jsonl").unlink()
    assert set(run(prune=True).values()) == {original["id"]}  # pruned: the cluster is renamed again
    write("b.jsonl", {**copy, "text": rows[0]["text"]})
    assert run() == {original["id"]: original["id"], "salinan": "salinan"}  # rewritten: it leaves


def test_search_shows_one_result_per_cluster_with_the_earliest_first(client):
    body = client.get("/api/search", query_string={"q": "SiPANDU layanan adminduk keliling Tanggamus",
                                                   "k": 20}).get_json()
    titles = [r["title"] for r in body["results"]]
    assert any(t.startswith("Tanggamus Luncurkan SiPANDU") for t in titles)
    assert not any(t.startswith("Disdukcapil Tanggamus Jemput Bola") for t in titles)
    lead = next(r for r in body["results"] if r["title"].startswith("Tanggamus Luncurkan SiPANDU"))
    assert [c["source"] for c in lead["also_published"]] == ["Suara Nusantara Pos"]
    assert lead["also_published"][0]["date"].startswith("2024-02-13")
    assert len({r["cluster_id"] for r in body["results"]}) == len(body["results"])


def test_an_outlet_filter_shows_its_own_copy(client):
    body = client.get("/api/search", query_string={"q": "SiPANDU Tanggamus", "source": "Suara Nusantara Pos"}
                      ).get_json()
    first = body["results"][0]
    assert first["title"].startswith("Disdukcapil Tanggamus Jemput Bola")
    assert first["also_published"][0]["title"].startswith("Tanggamus Luncurkan SiPANDU")


def test_page_lists_the_other_outlets(client):
    html = client.get("/", query_string={"q": "Desa Melayani Banyuwangi surat keterangan daring"}).get_data(
        as_text=True)
    assert "Juga dimuat oleh" in html
    assert "Suara Nusantara Pos" in html and "6 September 2024" in html


@pytest.mark.parametrize("text", ["", "Terlalu pendek untuk disebut salinan."])
def test_short_bodies_never_link(text):
    db = _cluster_store()
    assert _add(db, "a", text, "2024-01-01") == "a"
    assert _add(db, "b", text, "2024-01-02") == "b"


def _words(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def test_copies_link_at_jaccard_one_half_of_3_word_shingles():
    """README: MinHash LSH over 3-word shingles of the body, Jaccard >= 0.5 (computed here by hand)."""
    assert wire.shingles("Satu dua tiga empat") == {"satu dua tiga", "dua tiga empat"}
    original = _words("kata", 101)  # 99 shingles
    for shared_words, links in ((68, True), (67, False)):
        # shares its first words with the original: 66 (or 65) shingles in common, 99 each
        copy = original[:shared_words] + _words("lain", 101 - shared_words)
        common = shared_words - 2
        assert common / (2 * 99 - common) == (0.5 if links else 65 / 133)
        db = _cluster_store()
        _add(db, "asli", " ".join(original), "2024-01-01")
        assert (_add(db, "salinan", " ".join(copy), "2024-01-02") == "asli") is links, shared_words
