"""Reading-comprehension examples from the development splits, split by passage.

Each judged question of a split (``queries.jsonl`` with ``answers``, ``qrels.tsv``, ``corpus.jsonl``) gives a positive
example (its judged passage, the first occurrence of a gold answer in it) and a hard negative from a
``NegativeSource``: here the best BM25 passage of the split (Telusur's own analyzer and BM25) that is not judged and
holds no gold answer; ``search_negatives.py`` takes them from the served search instead. Questions are assigned
to a part by their judged passage, so no passage is in two parts: ``validation`` (reported, never tuned on),
``calibration`` (thresholds and choices) and ``train``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

PARTS = ("train", "calibration", "validation")
SPLITS = ("tydiqa-id-goldp", "facqa-news-qa")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answers: tuple[str, ...]
    passage_id: str


@dataclass(frozen=True)
class Example:
    """A question and a context; ``answer_start`` is -1 for a context without the answer."""

    question: str
    context: str
    answer_start: int
    answer: str


def part_of(split: str, passage_id: str) -> str:
    """``validation`` for 1 passage in 10, ``calibration`` for another, else ``train`` (stable hash)."""
    bucket = int(hashlib.sha256(f"telusur-reader:{split}:{passage_id}".encode()).hexdigest(), 16) % 10
    return "validation" if bucket == 0 else "calibration" if bucket == 1 else "train"


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def load_split(directory: Path) -> tuple[dict[str, str], list[Question]]:
    """The split's passages {id: text} and its questions that have a gold answer and one judged passage."""
    corpus = {record["id"]: record["text"] for record in read_jsonl(directory / "corpus.jsonl")}
    judged: dict[str, str] = {}
    for line in (directory / "qrels.tsv").read_text(encoding="utf-8").splitlines():
        query_id, passage_id, relevance = line.split("\t")
        if float(relevance) > 0:
            judged.setdefault(query_id, passage_id)
    questions = [Question(str(r["id"]), str(r["text"]), tuple(a for a in r.get("answers") or () if a.strip()),
                          judged[str(r["id"])])
                 for r in read_jsonl(directory / "queries.jsonl") if str(r["id"]) in judged]
    return corpus, [q for q in questions if q.answers and q.passage_id in corpus]


def questions_of(directory: Path, part: str) -> list[Question]:
    """The questions of one part of a split."""
    _, questions = load_split(directory)
    return [q for q in questions if part_of(directory.name, q.passage_id) == part]


def holds_answer(text: str, question: Question) -> bool:
    """Whether ``text`` holds one of the question's gold answers (case-insensitive)."""
    text = text.lower()
    return any(a.lower() in text for a in question.answers)


def hard_negatives(directory: Path, corpus: dict[str, str], questions: list[Question]) -> dict[str, str]:
    """Question id -> the text of the best BM25 passage that is not its judged passage and holds none of its
    answers."""
    from ingest.analyzer import analyze, analyze_many
    from ingest.lexical import LexicalIndex

    ids = list(corpus)
    lexical = LexicalIndex.build(ids, analyze_many(corpus[i] for i in ids))
    negatives: dict[str, str] = {}
    for question in questions:
        for passage_id, _ in lexical.search(analyze(question.text), 10):
            if passage_id != question.passage_id and not holds_answer(corpus[passage_id], question):
                negatives[question.id] = corpus[passage_id]
                break
    return negatives


NegativeSource = Callable[[Path, dict[str, str], list[Question]], dict[str, str]]


def examples(directory: Path, part: str, *, negatives: NegativeSource | None = hard_negatives) -> list[Example]:
    """Positive examples (answer found verbatim in the judged passage) and one hard negative per question from
    ``negatives`` (``(split directory, corpus, questions) -> {question id: context}``; None: no negatives)."""
    corpus, questions = load_split(directory)
    questions = [q for q in questions if part_of(directory.name, q.passage_id) == part]
    negative_of = negatives(directory, corpus, questions) if negatives else {}
    out: list[Example] = []
    for question in questions:
        context = corpus[question.passage_id]
        found = [(context.find(a), a) for a in question.answers if a in context]
        if found:
            start, answer = min(found)
            out.append(Example(question.text, context, start, answer))
        if question.id in negative_of:
            out.append(Example(question.text, negative_of[question.id], -1, ""))
    return out
