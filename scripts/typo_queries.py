"""Write a typo set: the judged queries of a split with one or two edits in content words (fixed seed).

``python scripts/typo_queries.py D/tydiqa-id-goldp/queries.jsonl D/tydiqa-id-goldp/qrels.tsv OUT.jsonl
[--seed 13] [--limit N]`` writes ``{"id", "text"}`` lines for ``telusur eval --served --queries OUT.jsonl``.
A content word is a word of at least four letters that is not a stopword (capitalised names included);
an edit deletes, inserts, substitutes or swaps letters (never the first letter). One edit per query, two
for every second query (in different words where the query has two content words). The output holds the
data's own question text, altered: keep it out of the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.analyzer import is_stopword  # noqa: E402
from search_app.tools.evaluate import read_qrels, read_queries  # noqa: E402

WORD = re.compile(r"[^\W\d_]{4,}")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def edit(word: str, rng: random.Random) -> str:
    """``word`` with one random edit after its first letter."""
    i = rng.randrange(1, len(word))
    kind = rng.choice(("delete", "insert", "substitute", "swap"))
    if kind == "delete":
        return word[:i] + word[i + 1:]
    if kind == "insert":
        return word[:i] + rng.choice(LETTERS) + word[i:]
    if kind == "swap" and i < len(word) - 1 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rng.choice(LETTERS.replace(word[i].lower(), "")) + word[i + 1:]


def misspell(text: str, edits: int, rng: random.Random) -> str:
    """``text`` with ``edits`` edits in its content words (the same word twice if it has only one)."""
    spans = [m.span() for m in WORD.finditer(text) if not is_stopword(m.group().lower())]
    if not spans:
        return text
    chosen = rng.sample(spans, min(edits, len(spans)))
    if len(chosen) < edits:
        chosen = chosen * edits
    out = text
    for start, end in sorted(set(chosen), reverse=True):
        word = out[start:end]
        for _ in range(chosen.count((start, end))):
            word = edit(word, rng)
        out = out[:start] + word + out[end:]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", type=Path)
    parser.add_argument("qrels", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--limit", type=int, default=None, help="first N judged queries")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    judged = read_qrels(args.qrels)
    pairs = [(q, t) for q, t in read_queries(args.queries) if q in judged][:args.limit]
    with args.out.open("w", encoding="utf-8") as out:
        for n, (qid, text) in enumerate(pairs):
            out.write(json.dumps({"id": qid, "text": misspell(text, 1 + n % 2, rng)}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
