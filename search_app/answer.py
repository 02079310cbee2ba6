"""The answer box: a short span quoted from one of the top results, or none.

``answer_box(question, results, reader=…)`` reads the passages of the first ``DEPTH`` results with the extractive
reader (``search_app/reader.py``) and returns the span it prefers to "no answer" by at least ``MIN_MARGIN``; with
``method="rules"`` the answer-type baseline (``search_app/answer_rules.py``) picks it instead. A query that is not a
question, or asks "mengapa"/"bagaimana", gets no box. Reading stops at the first passage whose best span clears
``SURE_MARGIN`` (most questions need one forward pass).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from search_app.answer_rules import rule_answer
from search_app.answer_types import expected_type
from search_app.search import Result

DEPTH = 3  # results read
MIN_MARGIN = 2.0  # reader: the span's score over "no answer" needed for a box (fitted on the calibration part)
SURE_MARGIN = 6.0  # reader: a span this far over "no answer" ends the reading early
MIN_RULE_SCORE = 0.5  # rules: the share of question terms the answer's sentence must hold
CONTEXT_CHARS = 700  # a passage is read in a window of this many characters around its best sentence (one window)
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
               min_margin: float = MIN_MARGIN, depth: int = DEPTH) -> AnswerBox | None:
    """The answer box for ``question`` over its ranked ``results`` (see the module doc), or None."""
    kind = expected_type(question)
    top = results[:depth]
    if kind is None or not top:
        return None
    if method == "rules":
        found = rule_answer(question, [r.passage for r in top], kind)
        if found is None or found.score < MIN_RULE_SCORE:
            return None
        return _box(top[found.passage], found.start, found.end, found.score)
    if reader is None or not reader.available:
        return None
    best = None
    for result in top:
        window, offset = reading_window(result)
        spans = reader.read(question, [window])
        if spans and (best is None or spans[0].margin > best[1].margin):
            best = (result, spans[0], offset)
        if best and best[1].margin >= SURE_MARGIN:
            break
    if best is None or best[1].margin < min_margin:
        return None
    result, span, offset = best
    return _box(result, offset + span.start, offset + span.end, 1 / (1 + math.exp(-span.margin / 2)))


def _box(result: Result, start: int, end: int, confidence: float) -> AnswerBox:
    return AnswerBox(text=result.passage[start:end], passage_id=result.passage_id, article_id=result.article_id,
                     title=result.title, source=result.source, date=result.date, page=result.page,
                     confidence=round(float(confidence), 4), start=start, end=end)
