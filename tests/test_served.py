"""The served search (search_app/served.py) over the demo index: relaxation, typos, other languages, pastes."""

from __future__ import annotations

from collections import Counter

import pytest

from search_app.language import query_language
from search_app.served import notices, served_search
from search_app.spelling import Speller

# Text written for this test (not from any corpus): a pasted paragraph about regional innovation.
PARAGRAPH = (
    "Pemerintah kabupaten terus mendorong inovasi daerah agar pelayanan publik makin cepat dan murah. "
    "Setiap perangkat daerah diminta mengunggah data inovasi ke sistem penilaian indeks inovasi, lengkap "
    "dengan bukti dukung berupa foto, video dan dokumen anggaran. Bimbingan teknis digelar bagi operator "
    "agar tidak ada inovasi yang gagal dinilai karena berkas kurang. "
)


def test_typo_query_finds_results_and_suggests_the_correction(searcher):
    response = served_search(searcher, "inovsi lampung brat")
    assert response.results
    assert response.suggestion == "inovasi lampung barat"
    assert any("Lampung Barat" in r.title for r in response.results[:3])


def test_command_line_prints_the_same_notices(searcher):
    assert "Maksud Anda: inovasi lampung barat" in notices(served_search(searcher, "inovsi lampung brat"))
    lines = notices(served_search(searcher, "xyzzy qwertz"))
    assert lines == ["Tidak ada yang memuat semua kata; menampilkan hasil yang paling mirip maknanya."]
    assert notices(served_search(searcher, "xyzzy qwertz", mode="dense")) == []


def test_query_finding_nothing_by_its_words_is_answered_by_meaning(searcher):
    strict = searcher.search("xyzzy qwertz", require_match=True, group_copies=True, per_article=1)
    assert strict.total == 0
    response = served_search(searcher, "xyzzy qwertz")
    assert response.results and response.match == "meaning"
    assert response.suggestion is None


def test_relaxed_step_needs_one_term(searcher):
    # one indexed word among three the index does not hold; in BM25 mode no dense match helps
    assert searcher.search("banjir zzqx wwvk yyqp", mode="bm25", require_match=True).total == 0
    response = served_search(searcher, "banjir zzqx wwvk yyqp", mode="bm25")
    assert response.match == "relaxed" and len(response.results) >= 3
    assert all("banjir" in (r.title + r.passage).lower() for r in response.results)


def test_unknown_words_are_matched_as_their_nearest_known_spelling(searcher):
    response = served_search(searcher, "banjirr padangg")
    assert response.respelled == [{"typed": "banjirr", "matched": "banjir"}, {"typed": "padangg", "matched": "padang"}]
    assert response.match == "all" and response.searched is None
    assert any("Padang" in r.title for r in response.results[:3])
    assert notices(response)[0] == ("Kata yang tidak ada di indeks dicocokkan dengan ejaan terdekat: banjirr → banjir, "
                                    "padangg → padang.")


def test_misspelled_name_is_matched_but_never_suggested(searcher):
    response = served_search(searcher, "inovasi Lampong Barat")
    assert response.respelled == [{"typed": "Lampong", "matched": "Lampung"}]
    assert response.suggestion is None  # a name in capitals is never offered as a correction
    assert "Lampung Barat" in response.results[0].title


def test_known_words_are_not_respelled(searcher):
    assert served_search(searcher, "banjir padang").respelled == []


def test_misspelled_phrase_that_finds_nothing_uses_the_correction(searcher):
    response = served_search(searcher, '"banjirr" padangg')
    assert response.searched == '"banjir" padang'
    assert response.results and all("banjir" in (r.title + r.passage).lower() for r in response.results)


def test_phrase_nothing_holds_ends_in_meaning_not_an_empty_page(searcher):
    response = served_search(searcher, '"Qwertyx Zzqv" inovasi daerah')
    assert response.match == "meaning" and response.results


def test_english_question_is_answered_by_meaning(searcher):
    response = served_search(searcher, "How many innovations has West Lampung produced?")
    assert response.language == "en" and response.match == "meaning"
    assert any("Lampung Barat" in r.title for r in response.results[:3])


def test_indonesian_question_keeps_the_must_match_rule(searcher):
    response = served_search(searcher, "Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?")
    assert response.language == "id" and response.match == "all"
    assert response.suggestion is None
    assert "Lampung Barat" in response.results[0].title


def test_pasted_paragraph_is_searched_by_its_distinctive_words(searcher):
    text = (PARAGRAPH * 6)[:2000]
    response = served_search(searcher, text)
    assert response.results
    assert any("nova" in r.title.lower() for r in response.results[:3])


@pytest.mark.parametrize(("text", "language"), [
    ("Who was the architect of Seoul City Hall?", "en"), ("What is a radar?", "en"),
    ("Siapa arsitek Balai Kota Seoul?", "id"), ("siapakah karakter utama Avatar: The Legend of Aang?", "id"),
    ("Kapan film The Lord of the Rings mulai diproduksi?", "id"), ("inovsi lampung brat", "id"),
    ("Sopo sing mbukak Bimtek inovasi?", "jv")])
def test_query_language(text, language):
    assert query_language(text) == language


def test_speller_leaves_known_words_names_numbers_and_acronyms_alone():
    speller = Speller(Counter({"inovasi": 40, "inovatif": 5, "lampung": 30, "barat": 30, "apbd": 9, "ibarat": 2,
                               "bogor": 7}), None)
    assert speller.correct("inovsi lampung brat").text == "inovasi lampung barat"
    assert speller.correct("Inovsi daerah") is not None  # the first word may be capitalised
    assert speller.correct("inovasi Lampong") is None  # a name in capitals
    assert speller.correct("APBX 2024 2O24") is None  # acronym, number, word with a digit
    assert speller.correct("inovatif lampung") is None  # known words
    assert speller.correct("brt") is None  # too short to guess
    correction = speller.correct('"inovsi" lampung -bogr')
    assert correction.text == '"inovasi" lampung -bogor'
    assert correction.words == (("inovsi", "inovasi"), ("bogr", "bogor"))


def test_speller_prefers_the_nearest_then_the_most_frequent_word():
    speller = Speller(Counter({"bantuan": 50, "bantuin": 3, "banten": 20}), None)
    assert speller.best("bantuen") == "bantuan"  # distance 1 to both bantuan and bantuin: the frequent one
    assert speller.best("bantn") == "banten"


def test_api_reports_the_match_step_and_the_suggestion(client):
    body = client.get("/api/search", query_string={"q": "inovsi lampung brat"}).get_json()
    assert body["results"] and body["match"] in ("all", "relaxed", "meaning")
    assert body["suggestion"] == "inovasi lampung barat" and body["language"] == "id"
    body = client.get("/api/search", query_string={"q": "banjirr padangg"}).get_json()
    assert body["respelled"][0] == {"typed": "banjirr", "matched": "banjir"} and body["results"]


def test_page_shows_the_suggestion_link_and_the_relaxation_notice(client):
    html = client.get("/", query_string={"q": "inovsi lampung brat"}).get_data(as_text=True)
    assert "Maksud Anda" in html and 'class="did-you-mean"' in html and "q=inovasi+lampung+barat" in html
    assert "dicocokkan dengan ejaan terdekat: <q>inovsi</q> → <q>inovasi</q>" in " ".join(html.split())
    html = client.get("/", query_string={"q": "xyzzy qwertz"}).get_data(as_text=True)
    assert "Tidak ada yang memuat semua kata; menampilkan hasil yang paling mirip maknanya" in html
    assert 'class="result"' in html


def test_long_paste_is_accepted_and_too_long_text_refused_in_plain_indonesian(client):
    text = (PARAGRAPH * 6)[:2000]
    response = client.get("/", query_string={"q": text})
    assert response.status_code == 200 and 'class="result"' in response.get_data(as_text=True)
    html = client.get("/", query_string={"q": PARAGRAPH * 30}).get_data(as_text=True)
    assert "Pertanyaan terlalu panjang" in html and "parameter" not in html
    assert "maxlength" not in client.get("/").get_data(as_text=True)
    error = client.get("/api/search", query_string={"q": PARAGRAPH * 30}).get_json()["error"]
    assert error.startswith("parameter q terlalu panjang")


def test_page_errors_name_no_parameters(client):
    for params in ({"q": "x", "k": "abc"}, {"q": "x", "page": "0"}, {"q": "x", "mode": "magic"},
                   {"q": "x", "date_from": "2024-13-01"}):
        response = client.get("/", query_string=params)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, params
        assert "parameter" not in html and "date_from" not in html, params
