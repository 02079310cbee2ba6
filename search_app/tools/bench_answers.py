"""Bench stage ``answers``: the answer box through the HTTP API of a real ``telusur serve`` process.

Per round, each dev question is asked twice from one keep-alive client, alternating: ``/api/search?answer=0``
(the results alone) and ``/api/answer`` (the same search, then the reader on the first results: what the page's
box costs). The server reads with one thread per request (``threads`` setting of ``serve``), so the difference
of the medians is the reader's cost on one thread, measured side by side. Also: the share of questions answered.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from search_app.tools.bench_serve import Client, search_path, server
from search_app.tools.benchutil import latency_summary

GOALS = (  # issue 10: answer latency on one thread at 100k passages
    ("answer p50 ms, 1 thread (reader only)", ("answers", "reader_ms", "p50"), "<=", 150),
    ("answer p95 ms, 1 thread (reader only)", ("answers", "reader_ms", "p95"), "<=", 300),
)


def answer_path(question: str) -> str:
    """``/api/answer``: the same search, then the box."""
    return search_path(question).replace("/api/search", "/api/answer", 1).replace("&answer=0", "")


def bench_answers(index_dir: Path, work: Path, *, questions: Sequence[str], per_round: int, repeat: int,
                  log: Callable[[str], None]) -> dict:
    """Answer-box latency (search + reading) and search-only latency for the same questions, alternating."""
    search_rounds: list[list[float]] = []
    answer_rounds: list[list[float]] = []
    answered = asked = errors = 0
    with server(index_dir, workers=1, threads=None, log_file=work / "serve-answers.log") as info:
        client = Client(info["port"])
        for q in questions[:5]:  # warm-up: loads the reader
            client.get(answer_path(q))
        for r in range(repeat):
            chunk = [questions[(r * per_round + i) % len(questions)] for i in range(per_round)]
            searched, read = [], []
            for q in chunk:
                ms, ok = client.timed(search_path(q))  # answer=0
                searched.append(ms)
                errors += not ok
                ms, box, ok = _timed_answer(client, q)
                read.append(ms)
                errors += not ok
                answered += box
                asked += 1
            search_rounds.append(searched)
            answer_rounds.append(read)
            log(f"  round {r + 1}: search p50 {statistics.median(searched):.1f} ms, search + answer p50 "
                f"{statistics.median(read):.1f} ms")
    search_ms, answer_ms = latency_summary(search_rounds), latency_summary(answer_rounds)
    reader = [[a - s for a, s in zip(ar, sr)] for ar, sr in zip(answer_rounds, search_rounds)]
    return {"search_ms": search_ms, "answer_ms": answer_ms, "reader_ms": latency_summary(reader),
            "answered_share": round(answered / max(asked, 1), 3), "errors": errors, "questions": asked}


def _timed_answer(client: Client, question: str) -> tuple[float, bool, bool]:
    """Milliseconds for ``/api/answer``, whether a box came back, whether the request succeeded."""
    started = time.perf_counter()
    try:
        status, body = client.get(answer_path(question))
    except OSError:
        return (time.perf_counter() - started) * 1000, False, False
    ms = (time.perf_counter() - started) * 1000
    box = status == 200 and json.loads(body).get("answer_box") is not None
    return ms, box, status == 200


def answers_lines(a: dict | None) -> list[str]:
    if not a:
        return []
    s, b, r = a["search_ms"], a["answer_ms"], a["reader_ms"]
    return [f"answers  {a['questions']} dev questions, 1 client, alternating (p50 / p95 ms): search alone "
            f"{s['p50']} / {s['p95']}, search + answer box {b['p50']} / {b['p95']}, reader alone {r['p50']} / "
            f"{r['p95']}; answered {a['answered_share'] * 100:.0f}%, {a['errors']} errors"]
