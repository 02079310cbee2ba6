"""Hard negatives for the reader from Telusur's own served search: what the answer box would read by mistake.

For each question, the first of its served results (``DEPTH_SEARCHED``) whose article is not the judged one and
holds none of the gold answers; the negative context is the part of that result the box reads
(``search_app.answer.reading_window``). A ``reader_data.NegativeSource``.
"""

from __future__ import annotations

from pathlib import Path

from search_app.answer import reading_window
from search_app.served import served_search
from search_app.tools.evaluate import eval_searcher
from search_app.tools.reader_data import Question, holds_answer

DEPTH_SEARCHED = 3


def search_negatives(directory: Path, corpus: dict[str, str], questions: list[Question]) -> dict[str, str]:
    """Question id -> the text the box would read in its first served result that lacks the answer."""
    searcher = eval_searcher(directory / "corpus.jsonl")
    negatives: dict[str, str] = {}
    for question in questions:
        response = served_search(searcher, question.text, k=10, facets=False)
        for result in response.results[:DEPTH_SEARCHED]:
            if result.article_id == question.passage_id or holds_answer(corpus[result.article_id], question):
                continue
            negatives[question.id] = reading_window(result)[0]
            break
    return negatives
