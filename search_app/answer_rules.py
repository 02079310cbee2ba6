"""The answer-type baseline: candidate spans of the expected type in the best sentences, scored against the question.

The question word gives the type (``search_app/answer_types.py``); each sentence of the top passages is scored by the
share of the question's terms it holds; in the best sentences, spans of the expected type (a number with its unit, a
date or year, a run of capitalised words) that repeat none of the question's own words are the candidates. The
score is the sentence's share, discounted by the passage's rank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.analyzer import analyze
from ingest.split import sentence_spans

MONTHS = ("januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember|"
          "jan|feb|mar|apr|jun|jul|agu|agt|sep|okt|nov|des")
NUMBER = r"\d+(?:[.,]\d+)*|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|seratus|seribu"
PATTERNS = {
    "date": re.compile(rf"\b(?:\d{{1,2}}\s+(?:{MONTHS})\w*\s+\d{{4}}|(?:{MONTHS})\w*\s+\d{{4}}|(?:abad\s+(?:ke-?)?\s*"
                       rf"\w+)|\d{{4}}(?:\s*[-–]\s*\d{{4}})?)\b", re.IGNORECASE),
    "quantity": re.compile(rf"\b(?:{NUMBER})(?:\s+(?:ribu|juta|miliar|triliun))?(?:\s+(?:persen|%|[a-z]+))?",
                           re.IGNORECASE),
    "name": re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:dan|de|van|der|bin|binti|al|el)\s+)?[A-Z][\w'’.-]*)*"),
}
PATTERNS["person"] = PATTERNS["place"] = PATTERNS["name"]
UNIT_STOP = {"yang", "dan", "di", "ke", "dari", "pada", "untuk", "dengan", "itu", "ini", "atau", "dalam", "tahun"}


@dataclass(frozen=True)
class RuleAnswer:
    passage: int  # index of the passage among those given
    start: int
    end: int
    text: str
    score: float


def candidates(sentence: str, kind: str) -> list[tuple[int, int]]:
    """(start, end) of the spans of ``kind`` in ``sentence``."""
    spans = []
    for match in PATTERNS[kind].finditer(sentence):
        start, end = match.span()
        if kind == "quantity":
            words = match.group(0).split()
            if len(words) > 1 and words[-1].lower() in UNIT_STOP:
                end = start + match.group(0).rfind(words[-1]) - 1
        if kind in ("person", "place", "name") and start == 0 and " " not in match.group(0):
            continue  # a lone capitalised first word is mostly just the sentence's start
        spans.append((start, end))
    return spans


def rule_answer(question: str, passages: list[str], kind: str) -> RuleAnswer | None:
    """The best candidate span of ``kind`` over ``passages`` (best first, as ranked), or None."""
    terms = set(analyze(question))
    if not terms or kind not in PATTERNS:
        return None
    asked = set(re.findall(r"\d+", question))
    best: RuleAnswer | None = None
    for rank, passage in enumerate(passages):
        for begin, finish in sentence_spans(passage):
            sentence = passage[begin:finish]
            score = len(terms & set(analyze(sentence))) / len(terms) / (1 + 0.25 * rank)
            if best is not None and score <= best.score:
                continue
            for start, end in candidates(sentence, kind):
                text = sentence[start:end]
                core = without_question_words(text.strip(" ,.;:"), kind, terms)
                if core and new_to_question(core, kind, terms, asked):
                    start += text.index(core)
                    best = RuleAnswer(rank, begin + start, begin + start + len(core), core, score)
                    break
    return best


def without_question_words(span: str, kind: str, terms: set[str]) -> str:
    """A name without the leading words the question already holds ("Bupati Parosil Mabsus" -> "Parosil Mabsus")."""
    if kind in ("quantity", "date"):
        return span
    words = span.split()
    while words and set(analyze(words[0])) & terms:
        words.pop(0)
    return span[span.index(words[0]):] if words else ""


def new_to_question(span: str, kind: str, terms: set[str], asked: set[str]) -> bool:
    """A number or date the question does not already give; a name none of whose words the question holds."""
    if kind in ("quantity", "date"):
        return not set(re.findall(r"\d+", span)) & asked
    return not set(analyze(span)) & terms
