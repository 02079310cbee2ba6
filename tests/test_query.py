"""Query syntax: "exact phrases" and -excluded words."""

from search_app.query import parse_query


def test_phrase_and_exclusion_are_parsed():
    q = parse_query('"Sekda Lampung Barat" inovasi -banjir')
    assert q.phrases == ["Sekda Lampung Barat"]
    assert q.excluded == ["banjir"]
    assert q.text == "Sekda Lampung Barat inovasi"


def test_hyphenated_words_are_not_exclusions():
    q = parse_query("anti-korupsi 2023-2024")
    assert q.excluded == []
    assert q.text == "anti-korupsi 2023-2024"


def test_allows_requires_phrase_and_rejects_excluded_word():
    q = parse_query('"Sekda Lampung Barat" -banjir')
    assert q.allows("Kata Sekda  Lampung Barat hari ini.")
    assert not q.allows("Sekda Lampung Utara berkata.")
    assert not q.allows("Sekda Lampung Barat meninjau banjir.")


def test_curly_quotes_count_as_phrase_marks():
    assert parse_query("“pelayanan publik”").phrases == ["pelayanan publik"]


def test_syntax_off_keeps_quotes_and_dashes_as_plain_text():
    q = parse_query('Ia berkata "kami siap" -kata pejabat', syntax=False)
    assert (q.phrases, q.excluded) == ([], [])
    assert q.text == 'Ia berkata "kami siap" -kata pejabat'
