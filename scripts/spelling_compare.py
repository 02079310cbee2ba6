"""Compare spelling correction engines on an index's vocabulary: SymSpell (symspellpy) against a plain scan.

``python scripts/spelling_compare.py --index DIR --queries Q.jsonl [--words 300] [--seed 13]`` misspells
lowercase content words of the queries that the index holds (one or two edits, scripts/typo_queries.py) and
reports, per engine, how often the intended word comes back, the build time and the time per lookup. Both
engines pick the vocabulary word at the smallest Damerau-Levenshtein (OSA) distance, the most frequent on a
tie, so they differ in speed (and only in ties of equal count in what they return).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.analyzer import is_stopword  # noqa: E402
from ingest.store import Index  # noqa: E402
from scripts.typo_queries import edit  # noqa: E402
from search_app.spelling import MIN_COUNT, MIN_LENGTH, SHORT_WORD, WORD, Speller, vocabulary  # noqa: E402
from search_app.tools.evaluate import read_queries  # noqa: E402


def osa(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of ``a`` and ``b``, or ``limit + 1`` when it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


class ScanSpeller:
    """The plain alternative: every vocabulary word's distance, computed per lookup."""

    def __init__(self, counts: Counter[str]):
        self.words = [(w, c) for w, c in counts.items() if c >= MIN_COUNT and len(w) >= MIN_LENGTH - 1]

    def best(self, word: str) -> str | None:
        limit = 1 if len(word) <= SHORT_WORD else 2
        scored = [(d, -c, w) for w, c in self.words if (d := osa(word, w, limit)) <= limit]
        return min(scored)[2] if scored else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    counts = vocabulary(Index(args.index))
    rng = random.Random(args.seed)
    words = sorted({w for _, text in read_queries(args.queries) for w in WORD.findall(text)
                    if w.islower() and len(w) >= MIN_LENGTH and not is_stopword(w) and counts[w] >= MIN_COUNT})
    pairs = [(w, edit(edit(w, rng), rng) if n % 2 else edit(w, rng))
             for n, w in enumerate(rng.sample(words, min(args.words, len(words))))]
    report = {"vocabulary": sum(c >= MIN_COUNT for c in counts.values()), "typos": len(pairs)}
    for name, make in (("symspell", lambda: Speller(counts, None)), ("scan", lambda: ScanSpeller(counts))):
        started = time.perf_counter()
        engine = make()
        if isinstance(engine, Speller):
            engine.vocabulary()
        built = time.perf_counter() - started
        started = time.perf_counter()
        right = sum(engine.best(typo) == word for word, typo in pairs)
        per_lookup = (time.perf_counter() - started) / max(len(pairs), 1)
        report[name] = {"recovered": round(right / max(len(pairs), 1), 3), "build_s": round(built, 2),
                        "lookup_ms": round(per_lookup * 1000, 3)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
