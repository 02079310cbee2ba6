"""Excerpt highlighting: query words in ``<mark>``, and the sentence that best answers the question."""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from html import escape

from ingest.analyzer import analyze, normalize
from ingest.split import sentence_spans, split_sentences

WORD = re.compile(r"\w+(?:[-/.,]\w+)*", re.UNICODE)
NUMBER = re.compile(r"\d")
# Question words and what kind of token answers them.
ASKS_NUMBER = {"berapa", "berapakah", "jumlah", "how many", "how much"}
ASKS_WHEN = {"kapan", "kapankah", "tahun berapa", "tanggal berapa", "when"}
SNIPPET_CHARS = 320


def query_terms(query: str) -> set[str]:
    """The analysed terms of a query (what passage words are matched against)."""
    return set(analyze(query))


def mark_html(text: str, terms: Collection[str], *, answer: str | None = None) -> str:
    """``text`` HTML-escaped, words whose analysed form meets ``terms`` in ``<mark>``,
    and the ``answer`` sentence (if found in the text) wrapped in ``<mark class="answer">``."""
    if answer and answer in text:
        start = text.index(answer)
        end = start + len(answer)
        return (_mark_words(text[:start], terms) + '<mark class="answer">' + _mark_words(answer, terms)
                + "</mark>" + _mark_words(text[end:], terms))
    return _mark_words(text, terms)


def _mark_words(text: str, terms: Collection[str]) -> str:
    out: list[str] = []
    last = 0
    terms = set(terms)
    for m in WORD.finditer(text):
        if may_meet(m.group(), terms) and set(analyze(m.group())) & terms:
            out.append(escape(text[last:m.start()]))
            out.append(f"<mark>{escape(m.group())}</mark>")
            last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def may_meet(word: str, terms: Collection[str]) -> bool:
    """A cheap necessary condition for ``analyze(word)`` to meet ``terms``, which spares stemming most words:
    every term of a word, less its first letter, occurs in the folded word (Sastrawi strips affixes and may
    restore one first letter: ``memukul`` → ``pukul``; numbers and acronyms are the word itself)."""
    folded = normalize(word).lower()
    return any(t[1:] in folded for t in terms)


def answer_sentence(passage: str, query: str, *, stored_terms: str | None = None) -> str | None:
    """The sentence of ``passage`` that best answers ``query``, or None when no sentence shares a term.

    Score: overlap with the query's terms, plus a bonus when the question asks for a number or a
    time and the sentence holds a number the question does not mention. ``stored_terms``: the passage's
    stored ``|``-grouped terms (title, then each sentence), which spare analysing the sentences again.
    """
    terms = query_terms(query)
    if not terms:
        return None
    lowered = query.lower()
    wants_number = any(w in lowered for w in ASKS_NUMBER | ASKS_WHEN)
    query_numbers = set(re.findall(r"\d+(?:[.,]\d+)*", query))
    best, best_score = None, 0.0
    sentences = split_sentences(passage)
    groups = stored_terms.split("|")[1:] if stored_terms is not None else None
    if groups is not None and len(groups) != len(sentences):
        groups = None  # stored with another splitter version: analyse afresh
    for n, sentence in enumerate(sentences):
        words = set(groups[n].split()) if groups is not None else set(analyze(sentence))
        overlap = len(terms & words)
        if overlap == 0:
            continue
        score = overlap
        if wants_number and set(re.findall(r"\d+(?:[.,]\d+)*", sentence)) - query_numbers:
            score += 1.5
        score /= math.log(3 + len(words))  # prefer the focused sentence over a long one
        if score > best_score:
            best, best_score = sentence, score
    return best


def snippet_html(text: str, terms: Collection[str], *, answer: str | None = None,
                 max_chars: int = SNIPPET_CHARS) -> str:
    """A short excerpt of ``text``: the answer sentence (else the first sentence with a query word) with its
    neighbours up to ``max_chars``, marked like ``mark_html``, with "…" where the text was cut."""
    spans = sentence_spans(text)
    if not spans:
        return mark_html(text, terms, answer=answer)
    focus = next((i for i, (a, b) in enumerate(spans) if text[a:b] == answer), None)
    if focus is None:
        focus = next((i for i, (a, b) in enumerate(spans) if set(analyze(text[a:b])) & set(terms)), 0)
    lo = hi = focus
    grew = True
    while grew:
        grew = False
        for lo2, hi2 in ((lo, hi + 1), (lo - 1, hi)):  # the next sentence first, then the previous one
            if lo2 >= 0 and hi2 < len(spans) and spans[hi2][1] - spans[lo2][0] <= max_chars:
                lo, hi, grew = lo2, hi2, True
    start, end = spans[lo][0], spans[hi][1]
    window = text[start:end]
    body = mark_html(window, terms, answer=answer if answer and answer in window else None)
    return ("… " if start > 0 else "") + body + (" …" if text[end:].strip() else "")
