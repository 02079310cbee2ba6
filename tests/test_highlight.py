"""Excerpt highlighting: marked query words, the cheap pre-check that spares stemming, the answer sentence."""

import itertools
import json
import re

from ingest.analyzer import analyze
from search_app.highlight import answer_sentence, mark_html, may_meet, query_terms
from tests.conftest import REPO

WORD = re.compile(r"\w+(?:[-/.,]\w+)*")


def test_mark_html_marks_inflected_forms_and_escapes():
    html = mark_html("Pelayanan <publik> dilayani 132 inovasi.", query_terms("layanan inovasi 132"))
    assert html == "<mark>Pelayanan</mark> &lt;publik&gt; <mark>dilayani</mark> <mark>132</mark> <mark>inovasi</mark>."


def test_answer_sentence_is_wrapped_once():
    text = "Bupati meresmikan pasar. Lampung Barat melahirkan 132 inovasi hingga 2024."
    answer = answer_sentence(text, "Berapa inovasi yang dilahirkan Lampung Barat?")
    assert answer == "Lampung Barat melahirkan 132 inovasi hingga 2024."
    assert mark_html(text, query_terms("inovasi"), answer=answer).count('<mark class="answer">') == 1


def test_may_meet_rejects_unrelated_words():
    assert may_meet("memukul", {"pukul"}) and may_meet("menyapu", {"sapu"})
    assert not may_meet("pasar", {"pukul", "inovasi"})


def _words(texts) -> set[str]:
    return {w for text in texts for w in WORD.findall(text)}


def _never_misses(words: set[str]) -> list[tuple[str, str]]:
    """Words whose own terms ``may_meet`` would skip (must be none: the pre-check is only a shortcut)."""
    return [(w, t) for w in words for t in analyze(w) if not may_meet(w, {t})]


def test_may_meet_never_skips_a_word_of_the_demo_corpus():
    texts = [p.read_text(encoding="utf-8") for p in (REPO / "corpus").rglob("*")
             if p.is_file() and p.suffix in (".txt", ".html", ".jsonl", ".md")]
    words = _words(texts)
    assert len(words) > 2000
    assert _never_misses(words) == []


def test_may_meet_never_skips_a_word_of_the_real_corpora(shared_data):
    texts = []
    for name in ("indosum-news", "tydiqa-id-goldp", "facqa-news-qa"):
        with (shared_data / name / "corpus.jsonl").open(encoding="utf-8") as lines:
            for line in itertools.islice(lines, 1500):
                record = json.loads(line)
                texts += [record.get("title") or "", record["text"]]
    words = _words(texts)
    assert len(words) > 30000
    assert _never_misses(words) == []
