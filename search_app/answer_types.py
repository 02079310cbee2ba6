"""What kind of short answer a question asks for, from its question word.

``expected_type("Berapa inovasi …?") == "quantity"``; ``None`` for a question with no short answer ("mengapa…",
"bagaimana…") and for a query that is not a question at all (keywords get no answer box).
"""

from __future__ import annotations

import re

NO_SHORT_ANSWER = ("mengapa", "kenapa", "bagaimana", "bagaimanakah", "mengapakah")
TYPE_WORDS = (  # (pattern on the lowercased question, type); the first that matches wins
    (r"\b(tahun|tanggal|bulan|abad|hari) (berapa|apa)\b|\bkapan|\bsejak kapan|\bpada tahun\b", "date"),
    (r"\bberapa", "quantity"),
    (r"\bsiapa", "person"),
    (r"\bdi ?mana|\bke ?mana|\bdari ?mana|\bmana(kah)?\b|\bdaerah apa|\bkota apa|\bnegara apa|\bprovinsi apa", "place"),
    (r"\bapa(kah)?\b|\byang mana\b", "name"),
)
QUESTION_MARK = re.compile(r"\?\s*$")


def expected_type(question: str) -> str | None:
    """``date``, ``quantity``, ``person``, ``place``, ``name`` or ``None`` (no short answer expected)."""
    text = " ".join(question.lower().split())
    words = re.findall(r"\w+", text)
    if not words or any(w in NO_SHORT_ANSWER for w in words[:3]):
        return None
    for pattern, kind in TYPE_WORDS:
        if re.search(pattern, text):
            return kind
    return "name" if QUESTION_MARK.search(question) else None
