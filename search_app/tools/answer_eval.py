"""Short-answer metrics, end to end: the served search over the whole corpus, then the answer box.

``telusur eval … --answers`` (each query's ``answers`` field): ``answer_em`` and ``answer_f1`` (normalised text; F1 is
the best token F1 over the gold answers; an abstention scores 0), ``answer_coverage`` (share answered),
``answer_precision`` (share of the answered whose token F1 with a gold answer is >= 0.5) and the answer latency
(the reading after the search) p50/p95.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections import Counter
from pathlib import Path

from search_app.answer import answer_box
from search_app.search import Searcher
from search_app.served import served_search
from search_app.tools.metrics import percentile
from search_app.tools.reader_data import part_of

PRECISE_F1 = 0.5


def normalize_answer(text: str) -> str:
    """Lowercase, punctuation removed (Unicode category P*), whitespace collapsed."""
    kept = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text.lower())
    return " ".join(kept.split())


def token_f1(prediction: str, gold: str) -> float:
    """Token F1 of two normalised answers (0 when either is empty)."""
    predicted, expected = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = sum((Counter(predicted) & Counter(expected)).values())
    if not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold) != "")


def answer_metrics(predictions: dict[str, str | None], golds: dict[str, list[str]]) -> dict:
    """EM, F1, coverage and precision of ``predictions`` (None = no answer) against ``golds``."""
    if not golds:
        return {"answer_questions": 0}
    em = f1 = answered = precise = 0.0
    for qid, answers in golds.items():
        prediction = predictions.get(qid)
        if prediction is None:
            continue
        best_f1 = max(token_f1(prediction, gold) for gold in answers)
        em += max(exact_match(prediction, gold) for gold in answers)
        f1 += best_f1
        answered += 1
        precise += best_f1 >= PRECISE_F1
    n = len(golds)
    return {"answer_questions": n, "answer_em": em / n, "answer_f1": f1 / n, "answer_coverage": answered / n,
            "answer_precision": precise / answered if answered else 0.0}


def read_answers(queries: Path, qrels: dict[str, dict[str, float]], part: str | None) -> dict[str, tuple[str, list]]:
    """{query id: (text, gold answers)} of the judged queries with answers (of one part of the split, if given)."""
    out = {}
    with queries.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            qid, answers = str(record["id"]), [a for a in record.get("answers") or [] if str(a).strip()]
            judged = [p for p, rel in qrels.get(qid, {}).items() if rel > 0]
            if answers and judged and (part is None or part_of(queries.parent.name, judged[0]) == part):
                out[qid] = (str(record["text"]), answers)
    return out


def run_answer_eval(searcher: Searcher, questions: dict[str, tuple[str, list]], *, method: str = "reader",
                    reader=None, mode: str = "hybrid", log=None) -> tuple[dict, dict[str, str | None]]:
    """Answer metrics and latencies over ``questions`` (see ``read_answers``), and the answers given."""
    predictions: dict[str, str | None] = {}
    latencies: list[float] = []
    for qid, (text, _) in questions.items():
        response = served_search(searcher, text, k=10, mode=mode, facets=False)
        started = time.perf_counter()
        box = answer_box(text, response.results, reader=reader, method=method)
        latencies.append((time.perf_counter() - started) * 1000)
        predictions[qid] = box.text if box else None
        if log and len(predictions) % 100 == 0:
            log(f"{len(predictions)}/{len(questions)} questions")
    metrics = answer_metrics(predictions, {qid: answers for qid, (_, answers) in questions.items()})
    metrics.update(answer_method=method, answer_latency_ms_p50=percentile(latencies, 50),
                   answer_latency_ms_p95=percentile(latencies, 95))
    return metrics, predictions
