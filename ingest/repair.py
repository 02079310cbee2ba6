"""``telusur check --repair``: rebuild what can be rebuilt from the ledger and the embedding cache.

The ledger (SQLite) is the truth of what is indexed. From it and the embedding cache the repair:

- drops passages that belong to no article, recomputes ``day`` from ``date``;
- gives Chroma exactly the ledger's passages: missing vectors and wrong metadata are written again, vectors
  that differ from the cache's are replaced by it, vectors of passages the ledger lacks are deleted. A vector
  comes from the cache when it holds the passage's text, else from Chroma when it has one, else it is embedded
  (and cached): never re-embedded when the cache holds it;
- removes leftovers of killed rebuilds, rebuilds BM25 and the vector table from scratch and publishes.

What it cannot rebuild (a ledger failing ``integrity_check``, articles without passages, missing kept originals)
is reported: restore a backup (``telusur backup``) or ingest the source files again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ingest.check import METADATA_KEYS, TOLERANCE, CheckReport, check, chroma_entries
from ingest.embcache import EmbeddingCache, cache_key, embed_with_cache
from ingest.schema import vector_metadata
from ingest.store import Index


@dataclass
class RepairReport:
    """What the repair did, and the check after it."""

    actions: list[str] = field(default_factory=list)
    embedded: int = 0
    from_cache: int = 0
    after: CheckReport | None = None

    def to_json(self) -> dict:
        return {"actions": self.actions, "embedded": self.embedded, "from_cache": self.from_cache,
                "after": self.after.to_json() if self.after else None}


Encoder = Callable[[list[str]], np.ndarray]


def repair(index: Index, cache: EmbeddingCache, encoder: Callable[[], Encoder]) -> RepairReport:
    """Repair ``index`` under its writer lock; ``encoder()`` gives the passage encoder, asked for only when a
    vector is in neither the cache nor Chroma."""
    from ingest.pipeline import settle

    report = RepairReport()
    with index.writing():
        integrity = [r[0] for r in index.db.execute("PRAGMA integrity_check")]
        if integrity == ["ok"]:
            _repair_ledger(index, report)
            with index.commit_point():
                _repair_chroma(index, cache, encoder, report)
            for pattern in (".lexical.*", ".vectors.*"):
                for left in index.directory.glob(pattern):
                    shutil.rmtree(left, ignore_errors=True)
            index.set_meta("lexical_stale", "1")
            index.set_meta("vectors_stale", "1")
            published = settle(index, reread_all=True)
            report.actions.append(f"rebuilt BM25 and the vector table; published {published} article(s)")
    report.after = check(index, recover_first=False)
    return report


def _repair_ledger(index: Index, report: RepairReport) -> None:
    from ingest.schema import day_number

    db = index.db
    with db:
        orphans = [r[0] for r in db.execute(
            "SELECT passage_id FROM passages WHERE article_id NOT IN (SELECT article_id FROM articles)")]
        db.executemany("DELETE FROM passages WHERE passage_id=?", [(p,) for p in orphans])
        db.executemany("INSERT OR IGNORE INTO pending_deletes VALUES (?)", [(p,) for p in orphans])
        days = [(day_number(date), aid) for aid, date, day in db.execute("SELECT article_id, date, day FROM articles")
                if day != day_number(date)]
        db.executemany("UPDATE articles SET day=? WHERE article_id=?", days)
    if orphans:
        report.actions.append(f"removed {len(orphans)} passage(s) that belonged to no article")
    if days:
        report.actions.append(f"recomputed the day of {len(days)} article(s) from their date")
    index.flush_deletes()


def _repair_chroma(index: Index, cache: EmbeddingCache, encoder: Callable, report: RepairReport) -> None:
    from ingest.pipeline import title_and_text

    rows = list(index.db.execute(
        "SELECT p.passage_id, p.text, p.position, a.article_id, a.title, a.source, a.category, a.day "
        "FROM passages p JOIN articles a USING (article_id) ORDER BY p.rowid"))
    model = index.get_meta("model") or ""
    texts = {r["passage_id"]: title_and_text(r["title"], r["text"]) for r in rows}
    chroma = chroma_entries(index, embeddings=True)
    cached = cache.get_many([cache_key(model, t) for t in texts.values()])
    report.from_cache = sum(cache_key(model, t) in cached for t in texts.values())
    todo: list[str] = []  # passages whose vector or metadata Chroma must be given again
    vectors: dict[str, np.ndarray] = {}
    for r in rows:
        pid = r["passage_id"]
        meta, have = chroma.get(pid, ({}, None))
        want = cached.get(cache_key(model, texts[pid]))
        good_have = have is not None and np.linalg.norm(have) > 0.5
        expected = (r["article_id"], r["position"], r["source"], r["category"], r["day"])
        differs = want is not None and good_have and float(np.max(np.abs(have - want))) > TOLERANCE
        if not good_have or differs or tuple(meta.get(k) for k in METADATA_KEYS) != expected:
            todo.append(pid)
            vectors[pid] = want if want is not None else (have if good_have else None)
    need = [pid for pid in todo if vectors[pid] is None]
    if need:
        fresh, encoded = embed_with_cache([texts[p] for p in need], model=model, cache=cache, encode=encoder())
        vectors.update(zip(need, fresh))
        report.embedded = encoded
    if todo:
        by_id = {r["passage_id"]: r for r in rows}
        metadata = [vector_metadata(*(by_id[p][k] for k in METADATA_KEYS)) for p in todo]
        index.vectors.upsert(todo, np.stack([vectors[p] for p in todo]).astype(np.float32), metadata)
        report.actions.append(f"wrote {len(todo)} vector(s) to Chroma ({len(need)} embedded, "
                              f"the rest from the cache or Chroma)")
    extra = sorted(set(chroma) - set(texts))
    if extra:
        index.vectors.delete(extra)
        report.actions.append(f"deleted {len(extra)} vector(s) of passages the ledger does not hold")
