"""Wire copies: the same story republished by several outlets with small edits, grouped into clusters.

An article's body (not its headline, which outlets rewrite) is cut into 3-word shingles. A MinHash
signature (126 hash functions) is banded for locality-sensitive hashing (42 bands of 3 rows, so pairs with
Jaccard 0.5 become candidates with probability 0.996, pairs with 0.1 with 0.04); candidates are confirmed on
their exact shingle Jaccard similarity, and a pair at or above ``THRESHOLD`` is a link. A cluster is a
connected group of links; its id is its earliest-published member's article id (ties: the smaller id), and an
article without copies is its own cluster.

Threshold 0.5, measured (tests/test_wire.py): the demo corpus's three wire-copy pairs score 0.65–0.76; its
same-event stories at most 0.02 and no other pair above 0.09; among 3,463 real IndoSum articles the most
similar different stories (two CNN reports reusing background paragraphs) score 0.41.

Bands and links live in the index's SQLite database beside the articles, written in the same
transaction as the article, so clustering is incremental (a new copy joins its cluster) and survives
re-ingest and prune.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterable

import numpy as np

SHINGLE_WORDS = 3
NUM_HASHES = 126
BAND_ROWS = 3
THRESHOLD = 0.5
MIN_SHINGLES = 20  # shorter bodies (captions, stubs) are too small to call copies
PRIME = np.uint64((1 << 31) - 1)
_rng = np.random.default_rng(20240913)
_A = _rng.integers(1, int(PRIME), NUM_HASHES, dtype=np.uint64)
_B = _rng.integers(0, int(PRIME), NUM_HASHES, dtype=np.uint64)
WORD = re.compile(r"\w+")

SCHEMA = """
CREATE TABLE IF NOT EXISTS wire_bands (band INTEGER NOT NULL, bucket INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS wire_bands_bucket ON wire_bands(band, bucket);
CREATE INDEX IF NOT EXISTS wire_bands_article ON wire_bands(article_id);
CREATE TABLE IF NOT EXISTS wire_links (a TEXT NOT NULL, b TEXT NOT NULL, jaccard REAL NOT NULL, PRIMARY KEY (a, b));
CREATE INDEX IF NOT EXISTS wire_links_b ON wire_links(b);
"""


def shingles(text: str) -> set[str]:
    """The body's lower-cased 3-word shingles."""
    words = WORD.findall(text.lower())
    return {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def signature(grams: Iterable[str]) -> np.ndarray:
    """MinHash signature: per hash function, the minimum of (a·h + b) mod p over the shingles' hashes h."""
    hashes = np.fromiter((int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
                          for g in grams), dtype=np.uint64)
    hashes %= PRIME
    return ((np.outer(hashes, _A) + _B) % PRIME).min(axis=0).astype(np.uint32)


def bands(sig: np.ndarray) -> list[int]:
    """One signed 63-bit bucket per band of ``BAND_ROWS`` signature values."""
    return [int.from_bytes(hashlib.blake2b(sig[i:i + BAND_ROWS].tobytes(), digest_size=8).digest(), "little",
                           signed=True) for i in range(0, NUM_HASHES, BAND_ROWS)]


def link(db: sqlite3.Connection, article_id: str, text: str) -> str:
    """(Re)place an article's signature and links, recluster its neighbourhood; returns its cluster id.

    Runs inside the caller's transaction; the article's row must already be in ``articles``."""
    old = neighbours(db, article_id)
    unlink_rows(db, article_id)
    grams = shingles(text)
    if len(grams) >= MIN_SHINGLES:
        buckets = bands(signature(grams))
        for other in _candidates(db, buckets, article_id):
            score = jaccard(grams, shingles(_text(db, other)))
            if score >= THRESHOLD:
                db.execute("INSERT OR REPLACE INTO wire_links VALUES (?,?,?)", (*sorted((article_id, other)), score))
        db.executemany("INSERT INTO wire_bands VALUES (?,?,?)", [(n, b, article_id) for n, b in enumerate(buckets)])
    for member in {article_id} | old:
        recluster(db, member)
    return db.execute("SELECT cluster_id FROM articles WHERE article_id=?", (article_id,)).fetchone()[0]


def unlink(db: sqlite3.Connection, article_id: str) -> None:
    """Forget a removed article and recluster the copies it linked (within the caller's transaction)."""
    old = neighbours(db, article_id)
    unlink_rows(db, article_id)
    for member in old:
        recluster(db, member)


def unlink_rows(db: sqlite3.Connection, article_id: str) -> None:
    db.execute("DELETE FROM wire_bands WHERE article_id=?", (article_id,))
    db.execute("DELETE FROM wire_links WHERE a=? OR b=?", (article_id, article_id))


def neighbours(db: sqlite3.Connection, article_id: str) -> set[str]:
    rows = db.execute("SELECT b FROM wire_links WHERE a=? UNION SELECT a FROM wire_links WHERE b=?",
                      (article_id, article_id))
    return {r[0] for r in rows}


def component(db: sqlite3.Connection, article_id: str) -> set[str]:
    """Every article connected to ``article_id`` by links (itself included)."""
    seen, todo = {article_id}, [article_id]
    while todo:
        for other in neighbours(db, todo.pop()) - seen:
            seen.add(other)
            todo.append(other)
    return seen


def recluster(db: sqlite3.Connection, article_id: str) -> None:
    """Give every member of ``article_id``'s component the id of its earliest-published member."""
    members = sorted(component(db, article_id))
    marks = ",".join("?" * len(members))
    rows = db.execute(f"SELECT article_id, date FROM articles WHERE article_id IN ({marks})", members).fetchall()
    if not rows:
        return
    first = min(rows, key=lambda r: (r[1] is None, (r[1] or "")[:10], r[0]))[0]
    db.execute(f"UPDATE articles SET cluster_id=? WHERE article_id IN ({marks})", [first, *members])


def _candidates(db: sqlite3.Connection, buckets: list[int], article_id: str) -> list[str]:
    found: set[str] = set()
    for band, bucket in enumerate(buckets):
        rows = db.execute("SELECT article_id FROM wire_bands WHERE band=? AND bucket=?", (band, bucket))
        found.update(r[0] for r in rows)
    found.discard(article_id)
    return sorted(found)


def _text(db: sqlite3.Connection, article_id: str) -> str:
    row = db.execute("SELECT text FROM articles WHERE article_id=?", (article_id,)).fetchone()
    return row[0] if row else ""
