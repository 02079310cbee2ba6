"""Property tests (Hypothesis) for the pure parsers and writers: the query parser, the date parsers, the splitter,
the highlighter's escaping, region detection and the CSV export. Bounded: a few hundred examples each."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from html import unescape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.dates import parse_date
from ingest.regions import detect_regions, load_gazetteer, region_of
from ingest.split import sentence_spans, split_passages
from search_app.dates_id import BULAN, format_date_id
from search_app.export import COLUMNS, to_csv
from search_app.highlight import mark_html, query_terms, snippet_html
from search_app.query import parse_query
from search_app.search import Result, SearchResponse

BOUNDED = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
# Text with everything HTML, CSV and the parsers treat specially, plus Indonesian words and non-ASCII.
HOSTILE = st.lists(st.sampled_from(list("abcdeiklmnoprstu AIBKLP0129<>&\"'=+-@\t\r\n.,;:!?/…“”«»é\u00a0")
                                   + ["inovasi ", " Lampung", "<script>", "</mark>", "&amp;", " Kota Bogor "]),
                   max_size=120).map("".join)
ANY_TEXT = st.text(max_size=400)
# Any markup the highlighter emits: what is left after removing it must be the input, escaped.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet runs (OWASP CSV injection)
OWN_TAGS = re.compile(r'<mark class="answer">|<mark>|</mark>')


# --- query parser ----------------------------------------------------------------------------------------------

@given(words=st.lists(WORDS, min_size=1, max_size=6), phrase=st.lists(WORDS, min_size=1, max_size=3),
       excluded=st.lists(WORDS, max_size=3))
@BOUNDED
def test_query_parser_recovers_words_phrases_and_exclusions(words, phrase, excluded):
    raw = " ".join(words) + ' "' + " ".join(phrase) + '" ' + " ".join("-" + w for w in excluded)
    parsed = parse_query(raw)
    assert parsed.phrases == [" ".join(phrase)]
    assert parsed.excluded == excluded
    assert parsed.text == " ".join(words + phrase)
    assert parsed.allows(" ".join(["awal", *phrase, "akhir"])) == (not set(excluded) & set(phrase))


@given(raw=ANY_TEXT)
@BOUNDED
def test_query_parser_takes_anything_and_only_keeps_what_was_typed(raw):
    parsed = parse_query(raw)
    typed = set(raw.replace('"', " ").replace("“", " ").replace("”", " ").split())
    assert all(word.lstrip("-") in raw for word in parsed.text.split())
    assert all(p.split() and set(p.split()) <= typed for p in parsed.phrases)
    assert all(("-" + w) in raw for w in parsed.excluded)
    assert parse_query(raw, syntax=False).text == " ".join(raw.split())


# --- dates -----------------------------------------------------------------------------------------------------

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@given(day=DATES, style=st.sampled_from(["bulan", "iso", "slash", "dash"]), before=WORDS, after=WORDS)
@BOUNDED
def test_written_dates_parse_back_to_the_same_day(day, style, before, after):
    written = {"bulan": f"{day.day} {BULAN[day.month - 1]} {day.year}", "iso": day.isoformat(),
               "slash": f"{day.day:02d}/{day.month:02d}/{day.year}", "dash": f"{day.day}-{day.month}-{day.year}"}
    assert parse_date(f"{before} {written[style]} {after}") == day.isoformat()
    assert format_date_id(day.isoformat()) == f"{day.day} {BULAN[day.month - 1]} {day.year}"


@given(text=ANY_TEXT | HOSTILE)
@BOUNDED
def test_date_parser_gives_none_or_a_real_iso_date(text):
    found = parse_date(text)
    if found is not None:
        datetime.fromisoformat(found)  # a real calendar date (and time): raises otherwise
    assert isinstance(format_date_id(text), str)


# --- splitter --------------------------------------------------------------------------------------------------

PROSE = st.lists(st.sampled_from(["Bupati", "meresmikan", "pasar", "baru.", "Dr.", "H.", "Rp.", "5.000", "Warga",
                                  "senang!", "Apa", "kabar?", "dll.", "\n", "\n\n", "“Bagus,”", "katanya.", "…",
                                  "Jl.", "Sudirman", "No.", "12", "di", "Kab.", "Lampung", "Barat"]),
                 max_size=700).map(" ".join)


def _covered(text: str, spans) -> set[int]:
    return {i for s, e in spans for i in range(s, e)}


@given(text=PROSE | HOSTILE)
@BOUNDED
def test_sentence_spans_are_ordered_trimmed_and_cover_every_non_space_character(text):
    spans = sentence_spans(text)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))
    assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans)
    assert {i for i, c in enumerate(text) if not c.isspace()} <= _covered(text, spans)


@given(text=PROSE | HOSTILE)
@SLOW
def test_passages_are_exact_slices_that_cover_the_text_in_order(text):
    passages = split_passages(text, target_words=40, max_words=50, min_words=30, tail_words=10, long_words=80)
    assert [p.position for p in passages] == list(range(len(passages)))
    assert all(text[p.start_char:p.end_char] == p.text for p in passages)
    assert all(a.start_char <= b.start_char for a, b in zip(passages, passages[1:]))
    spans = [(p.start_char, p.end_char) for p in passages]
    assert {i for i, c in enumerate(text) if not c.isspace()} <= _covered(text, spans)


# --- highlighting and escaping ---------------------------------------------------------------------------------

def _strip_own_tags(html: str) -> str:
    return OWN_TAGS.sub("", html)


@given(text=HOSTILE, query=HOSTILE)
@BOUNDED
def test_marked_html_holds_no_markup_from_its_input(text, query):
    terms = query_terms(query) | query_terms(text[: len(text) // 2])  # words that do occur get marked
    answer = text[len(text) // 3: len(text) // 2] or None
    html = mark_html(text, terms, answer=answer)
    bare = _strip_own_tags(html)
    assert "<" not in bare and ">" not in bare and '"' not in bare
    assert unescape(bare) == text


@given(text=HOSTILE | PROSE, query=HOSTILE)
@SLOW
def test_snippets_hold_no_markup_from_their_input(text, query):
    html = snippet_html(text, query_terms(query) | query_terms(text[:60]), max_chars=80)
    bare = _strip_own_tags(html)
    assert "<" not in bare and ">" not in bare
    body = unescape(bare).removeprefix("… ").removesuffix(" …")
    assert body in text or unescape(bare) in text


# --- regions ---------------------------------------------------------------------------------------------------

OFFICIAL = sorted(load_gazetteer().regions)


@given(title=HOSTILE, text=HOSTILE)
@SLOW
def test_detected_regions_are_official_names_local_first_with_their_provinces(title, text):
    found = detect_regions(title, text)
    assert len(found) == len(set(found))
    regions = [region_of(name) for name in found]
    assert all(regions)
    kinds = ["provinsi" if r.kind == "provinsi" else "local" for r in regions]
    assert kinds == sorted(kinds, key=lambda k: k == "provinsi")
    assert {r.province for r in regions if r.kind != "provinsi"} <= set(found)


@given(name=st.sampled_from(OFFICIAL), before=HOSTILE, after=WORDS)
@SLOW
def test_an_official_name_in_the_title_is_detected(name, before, after):
    found = detect_regions(f"{before} — {name} {after}", "")
    assert name in found, (name, found)


# --- CSV export ------------------------------------------------------------------------------------------------

def _result(rank: int, title: str, text: str, source: str, url: str, answer: str | None) -> Result:
    return Result(rank=rank, score=0.5, article_id=f"a{rank}", passage_id=f"p{rank}", title=title, date=None,
                  source=source, url=url, category=text[:20], passage=text, passage_html="", answer=answer,
                  position=0, regions=["Kota Bogor"], also_published=[])


@given(rows=st.lists(st.tuples(HOSTILE, HOSTILE, HOSTILE, HOSTILE, st.none() | HOSTILE), min_size=1, max_size=5))
@BOUNDED
def test_csv_export_round_trips_and_defuses_formulas(rows):
    results = [_result(n + 1, *row) for n, row in enumerate(rows)]
    response = SearchResponse(query="q", mode="hybrid", k=10, page=1, total=len(results), results=results)
    parsed = list(csv.reader(io.StringIO(to_csv(response), newline="")))
    assert parsed[0] == list(COLUMNS) and len(parsed) == len(results) + 1
    for result, row in zip(results, parsed[1:]):
        cells = dict(zip(COLUMNS, row))
        for column, value in (("title", result.title), ("passage", result.passage), ("source", result.source),
                              ("url", result.url), ("answer", result.answer or "")):
            assert not cells[column].startswith(FORMULA_START)
            assert cells[column] == ("'" + value if value.startswith(FORMULA_START) else value)
