"""The answer box: a short span quoted from one of the top results, or none.

``answer_box(question, results, reader=…)`` reads the passages of the first ``DEPTH`` results with the extractive
reader (``search_app/reader.py``). Each passage's best span is scored by ``span_score``: the reader's margin over
"no answer", plus ``SUPPORT_WEIGHT`` times the share of the question's terms that the span's sentence holds, minus
``RANK_PENALTY`` per rank; the best span is the answer when its score reaches ``MIN_SCORE``. The weights, the depth
and ``MIN_SCORE`` were chosen on the calibration part of the dev splits (``search_app/tools/fit_answers.py``,
docs/answers.md). With ``method="rules"`` the answer-type baseline (``search_app/answer_rules.py``) picks the span
instead. A query that is not a question, or asks "mengapa"/"bagaimana", gets no box. Reading stops early when the
first passage's span scores ``SURE_SCORE``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ingest.analyzer import analyze
from ingest.split import sentence_spans
from search_app.answer_rules import rule_answer
from search_app.answer_types import expected_type
from search_app.search import Result

DEPTH = 2  # results read
SUPPORT_WEIGHT = 3.0  # reader: weight of the share of question terms in the span's sentence
RANK_PENALTY = 3.0  # reader: score lost per rank of the passage
MIN_SCORE = 5.0  # reader: the span score needed for a box
SURE_SCORE = 8.0  # reader: a first passage scoring this ends the reading
MIN_RULE_SCORE = 0.5  # rules: the share of question terms the answer's sentence must hold
CONTEXT_CHARS = 2000  # a longer passage is read in a window of this many characters around its best sentence
METHODS = ("reader", "rules")


@dataclass(frozen=True)
class AnswerBox:
    text: str
    passage_id: str
    article_id: str
    title: str
    source: str
    date: str | None
    page: int | None
    confidence: float
    start: int  # the span's character offsets in the passage
    end: int

    def to_json(self) -> dict:
        return asdict(self)


def reading_window(result: Result) -> tuple[str, int]:
    """The part of the passage read (around its best sentence when longer than ``CONTEXT_CHARS``) and its offset."""
    text = result.passage
    if len(text) <= CONTEXT_CHARS:
        return text, 0
    centre = text.find(result.answer) + len(result.answer) // 2 if result.answer and result.answer in text else 0
    start = max(0, min(centre - CONTEXT_CHARS // 2, len(text) - CONTEXT_CHARS))
    space = text.rfind(" ", 0, start + 1)
    start = space + 1 if start and space >= 0 else start
    return text[start:start + CONTEXT_CHARS], start


def answer_box(question: str, results: list[Result], *, reader=None, method: str = "reader",
               threshold: float | None = None, depth: int = DEPTH) -> AnswerBox | None:
    """The answer box for ``question`` over its ranked ``results`` (see the module doc), or None.

    ``threshold``: the reader's span score (default ``MIN_SCORE``) or the rules' score (default ``MIN_RULE_SCORE``)."""
    kind = expected_type(question)
    top = results[:depth]
    if kind is None or not top:
        return None
    if method == "rules":
        found = rule_answer(question, [r.passage for r in top], kind)
        if found is None or found.score < (MIN_RULE_SCORE if threshold is None else threshold):
            return None
        return _box(top[found.passage], found.start, found.end, found.score)
    if reader is None or not reader.available:
        return None
    candidates = read_candidates(question, top, reader)
    best = max(candidates, key=lambda c: c.score(), default=None)
    if best is None or best.score() < (MIN_SCORE if threshold is None else threshold):
        return None
    return _box(best.result, best.start, best.end, 1 / (1 + math.exp(-(best.score() - MIN_SCORE) / 2)))


@dataclass(frozen=True)
class Candidate:
    """The reader's best span in one result: its offsets in the passage, margin and the question's support."""

    rank: int
    result: Result
    start: int
    end: int
    margin: float
    support: float

    def score(self, support_weight: float = SUPPORT_WEIGHT, rank_penalty: float = RANK_PENALTY) -> float:
        return span_score(self.margin, self.support, self.rank, support_weight, rank_penalty)


def read_candidates(question: str, results: list[Result], reader, *, sure: float = SURE_SCORE) -> list[Candidate]:
    """The reader's best span of each result in order, stopping after one that scores ``sure`` (inf: read all)."""
    terms = set(analyze(question))
    found: list[Candidate] = []
    for rank, result in enumerate(results):
        window, offset = reading_window(result)
        spans = reader.read(question, [window])
        if spans:
            start, end = offset + spans[0].start, offset + spans[0].end
            found.append(Candidate(rank, result, start, end, spans[0].margin, support(result.passage, start, terms)))
            if found[-1].score() >= sure:
                break
    return found


def span_score(margin: float, support: float, rank: int, support_weight: float = SUPPORT_WEIGHT,
               rank_penalty: float = RANK_PENALTY) -> float:
    """The reader's margin, plus the question terms' support, minus the passage's rank (weights above)."""
    return margin + support_weight * support - rank_penalty * rank


def support(passage: str, start: int, terms: set[str]) -> float:
    """The share of ``terms`` (the question's analysed terms) held by the sentence of ``passage`` at ``start``."""
    if not terms:
        return 0.0
    sentence = next((passage[s:e] for s, e in sentence_spans(passage) if s <= start < e), passage)
    return len(terms & set(analyze(sentence))) / len(terms)


def _box(result: Result, start: int, end: int, confidence: float) -> AnswerBox:
    return AnswerBox(text=result.passage[start:end], passage_id=result.passage_id, article_id=result.article_id,
                     title=result.title, source=result.source, date=result.date, page=result.page,
                     confidence=round(float(confidence), 4), start=start, end=end)
