"""The Indonesian analyzer: normalisation, tokens, stopwords, stemming, caching."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.analyzer import (
    STOPWORDS,
    STOPWORDS_PATH,
    analyze,
    analyze_many,
    analyze_token,
    is_acronym,
    load_stopwords,
    normalize,
    stem,
    tokenize,
)


@pytest.mark.parametrize(("word", "root"), [
    ("pelayanan", "layan"),
    ("meningkatkan", "tingkat"),
    ("pemerintahan", "perintah"),
    ("dilaksanakan", "laksana"),
    ("kebijakannya", "bijak"),
])
def test_inflected_words_are_stemmed(word, root):
    assert stem(word) == root
    assert analyze(word) == [root]


def test_sentence_keeps_content_words_only():
    text = "Pemerintah kabupaten meningkatkan pelayanan kepada masyarakat di desa-desa."
    assert analyze(text) == ["perintah", "kabupaten", "tingkat", "layan", "masyarakat", "desa"]


def test_stopwords_are_removed():
    terms = analyze("Dana itu adalah bantuan yang diberikan untuk sekolah dan puskesmas di desa ini.")
    assert {"dan", "di", "yang", "itu", "ini", "adalah", "untuk"}.isdisjoint(terms)
    assert {"dana", "bantu", "sekolah", "puskesmas", "desa"} <= set(terms)


@pytest.mark.parametrize("question", [
    "Apa yang dimaksud dengan inovasi daerah?",
    "Apakah inovasi daerah itu?",
    "Siapakah yang menilai inovasi daerah?",
    "Di manakah inovasi daerah dinilai?",
    "Dimanakah inovasi daerah dinilai?",
    "Kapan inovasi daerah dinilai?",
    "Berapakah inovasi daerah yang dinilai?",
    "Bagaimana inovasi daerah dinilai?",
    "Mengapa inovasi daerah dinilai?",
])
def test_question_words_are_removed(question):
    terms = analyze(question)
    assert {"inovasi", "daerah"} <= set(terms)
    assert set(terms) <= {"maksud", "inovasi", "daerah", "nilai"}


@pytest.mark.parametrize(("text", "terms"), [
    ("sebanyak 132 desa", ["132", "desa"]),
    ("tahun 2024", ["tahun", "2024"]),
    ("naik 2,5 persen", ["naik", "2,5", "2", "5", "persen"]),
    ("pada 6/8/2025", ["6/8/2025", "6", "8", "2025"]),
    ("pukul 10:30 WIB", ["pukul", "10:30", "10", "30", "wib"]),
    ("Rp1.500.000 per bulan", ["rp", "1.500.000", "1", "500", "000", "bulan"]),
    ("Rp 2 miliar", ["rp", "2", "miliar"]),
])
def test_numbers_stay_whole_then_parts(text, terms):
    assert analyze(text) == terms


def test_sentence_end_is_not_part_of_a_number():
    assert tokenize("anggaran 2024. Lalu 5,") == ["anggaran", "2024", "Lalu", "5"]


@pytest.mark.parametrize("acronym", ["IGA", "OPD", "ASN", "APBD", "BUMD", "G20"])
def test_acronyms_are_lowercased_not_stemmed(acronym):
    assert is_acronym(acronym)
    assert analyze(f"Laporan {acronym} tahun ini") == ["lapor", acronym.lower(), "tahun"]


def test_acronym_is_protected_from_the_stemmer():
    assert analyze("kadis") == ["kad"]  # Sastrawi reads the lowercase word as kad + -is
    assert analyze("Rapat KADIS pendidikan") == ["rapat", "kadis", "didik"]


def test_long_all_caps_words_are_not_acronyms():
    assert not is_acronym("PENGUMUMAN")
    assert analyze("PENGUMUMAN") == ["umum"]


def test_hyphenated_words():
    assert analyze("anak-anak") == ["anak"]
    assert analyze("berlari-lari") == ["lari"]
    assert analyze("COVID-19") == ["covid", "19"]
    assert analyze("kerja sama Jawa-Sumatera") == ["kerja", "sama", "jawa", "sumatera"]


def test_unicode_normalisation():
    assert normalize("Fran\u00e7ois") == normalize("Franc\u0327ois") == "Francois"
    assert analyze("ＡＰＢＤ") == ["apbd"]  # full-width letters
    assert analyze("Jum\u2019at") == analyze("Jumat") == ["jumat"]
    assert analyze(unicodedata.normalize("NFD", "Café Ubud")) == ["cafe", "ubud"]


def test_lowercasing():
    assert analyze("Pelayanan") == analyze("pelayanan") == ["layan"]


@pytest.mark.parametrize("text", ["", "   ", "... !!! ???", "yang dan di ke dari"])
def test_no_terms(text):
    assert analyze(text) == []


def test_single_letters_are_dropped():
    assert analyze("Kabupaten X dan huruf b") == ["kabupaten", "huruf"]


def test_analyze_many_and_determinism():
    texts = ["Pelayanan ASN makin cepat.", "APBD 2025 naik 2,5 persen.", ""]
    expected = [["layan", "asn", "makin", "cepat"], ["apbd", "2025", "naik", "2,5", "2", "5", "persen"], []]
    assert analyze_many(texts) == expected
    assert analyze_many(texts) == expected  # the second call (from the cache) gives the same tokens


def test_stopword_file_is_shipped_and_clean():
    assert STOPWORDS_PATH.is_file()
    assert STOPWORDS_PATH.parent.name == "data"
    assert load_stopwords() == STOPWORDS
    assert {"yang", "dan", "di", "ke", "dari", "ini", "itu", "dengan", "untuk", "pada", "adalah"} <= STOPWORDS
    assert {"apa", "berapa", "siapa", "kapan"} <= STOPWORDS
    assert all(w == w.lower().strip() and " " not in w for w in STOPWORDS)
    assert {"tidak", "tahun", "daerah"}.isdisjoint(STOPWORDS)


def test_reanalysis_hits_the_cache():
    text = "Kabupaten Sukamaju meraih penghargaan inovasi pelayanan perizinan terpadu"
    analyze(text)
    stems, tokens = stem.cache_info(), analyze_token.cache_info()
    for _ in range(3):
        analyze(text)
    assert stem.cache_info().misses == stems.misses
    assert analyze_token.cache_info().misses == tokens.misses
    assert analyze_token.cache_info().hits >= tokens.hits + 3 * len(tokenize(text))


def test_stopwords_with_particles_go_but_derived_words_stay():
    assert analyze("Itulah sebabnya, sebelumnya apapun bisa terjadi") == ["jadi"]
    # stems that are stopwords do not make the derived word one: dapat, jadi, sampai
    assert analyze("pendapatan daerah") == ["dapat", "daerah"]
    assert analyze("kejadian itu disampaikan") == ["jadi", "sampai"]
