"""``telusur check``: every invariant between the four stores of an index, one line per problem.

An index is the SQLite ledger (articles, passages), Chroma (one vector per passage, with the filter columns as
metadata), the BM25 files (``lexical/``) and the vector table (``vectors/``). In a settled index:

- the ledger passes SQLite's ``integrity_check``; every passage belongs to an article, every article has
  passages numbered 0..n-1; every article is published; no vector deletion is pending; the derived stores are
  not marked stale; each kept original (``berkas/``) that an article names exists;
- Chroma, the vector table and BM25 each hold exactly the ledger's passage ids, once;
- Chroma's metadata (article, position, source, category, day) equals the ledger's columns;
- the vector in Chroma equals the table's row (within ``TOLERANCE``), and no row is empty;
- the swapped files' own records (``lexical.json``, ``table.json``) agree with their contents, and no
  temporary or ``.old`` directory of a killed rebuild is left.

Before checking, the check does what every reader does (``ingest.pipeline.recover``): a killed writer's
committed articles are brought in step and published, unless a writer is busy; then only the ledger is
checked (the other stores are being written).

``quick``: Chroma's vectors are compared with the table for a sample of ``QUICK_SAMPLE`` passages instead of
all (ids and metadata are always compared in full) and SQLite runs ``quick_check`` instead of
``integrity_check``. ``startup`` (what ``telusur serve`` runs before it listens) is ``quick`` without the two
listings that grow with the index: when Chroma holds as many vectors as the ledger has passages, their ids and
metadata are not listed (a sample of vectors is still compared with the table), and SQLite's ``quick_check`` is
skipped; any count that disagrees falls back to the full listing, which names the passages. At 100k passages the
quick check took 12.9 s with a warm page cache and over 40 s cold (docs/bench.md, session 6).
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ingest.diskfull import is_disk_full
from ingest.lexical import LexicalIndex
from ingest.originals import original_path, referenced_originals
from ingest.schema import day_number
from ingest.store import Index
from ingest.vectable import VectorTable, table_dir

TOLERANCE = 1e-4  # largest difference allowed between a Chroma vector and its table row (float32 round trips)
QUICK_SAMPLE = 200
EXAMPLES = 3
FULL_BYTES = 1 << 20  # less free space than this on a failed Chroma open: the disk is full
METADATA_KEYS = ("article_id", "position", "source", "category", "day")


@dataclass
class Problem:
    """One kind of inconsistency: what, where, how many, a few example ids."""

    store: str
    what: str
    count: int = 1
    examples: list[str] = field(default_factory=list)

    def line(self) -> str:
        shown = f" (e.g. {', '.join(self.examples[:EXAMPLES])})" if self.examples else ""
        return f"{self.store}: {self.what}{shown}"


@dataclass
class CheckReport:
    """What ``check`` found: the problems, what it counted, what it did first, how long it took."""

    index: str
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    quick: bool = False
    startup: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, store: str, what: str, ids: Sequence[str] = ()) -> None:
        self.problems.append(Problem(store, what.replace("{n}", str(len(ids))), len(ids) or 1, sorted(ids)[:EXAMPLES]))

    def to_json(self) -> dict:
        return {"index": self.index, "ok": self.ok, "quick": self.quick, "seconds": round(self.seconds, 3),
                "counts": self.counts, "notes": self.notes, "problems": [asdict(p) for p in self.problems]}


def check(index: Index, *, quick: bool = False, startup: bool = False, recover_first: bool = True) -> CheckReport:
    """Check every invariant of ``index`` (see the module doc; ``startup`` implies ``quick``)."""
    quick = quick or startup
    from ingest.pipeline import recover

    started = time.perf_counter()
    report = CheckReport(str(index.directory), quick=quick, startup=startup)
    try:
        if recover_first and (published := recover(index)):
            report.notes.append(f"published {published} article(s) a killed writer had committed")
    except Exception as err:
        if not is_disk_full(err):
            raise
        report.notes.append(f"the disk is full: what a writer left committed cannot be published now ({err})")
    ledger = _check_ledger(index, report)
    with _no_writer(index) as idle:
        if idle:
            _check_derived(index, ledger, report, quick)
        else:
            report.notes.append("a writer is busy: only the ledger was checked")
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _no_writer(index: Index) -> Iterator[bool]:
    """Hold the writer lock if no writer holds it (yields True), else yield False."""
    try:
        with index.writing(timeout=0):
            yield True
    except TimeoutError:
        yield False


def _check_ledger(index: Index, report: CheckReport) -> list[str]:
    """The ledger's own invariants; returns its passage ids in row order."""
    db = index.db
    pragma = "quick_check" if report.quick else "integrity_check"  # quick: O(N), without the index order checks
    integrity = ["ok"] if report.startup else [r[0] for r in db.execute(f"PRAGMA {pragma}")]
    if integrity != ["ok"]:
        report.add("sqlite", f"{pragma} failed: {'; '.join(integrity[:3])}")
    ids = [r[0] for r in db.execute("SELECT passage_id FROM passages ORDER BY rowid")]
    report.counts.update(passages=len(ids), articles=db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    orphans = [r[0] for r in db.execute(
        "SELECT passage_id FROM passages WHERE article_id NOT IN (SELECT article_id FROM articles)")]
    if orphans:
        report.add("sqlite", "{n} passage(s) belong to no article", orphans)
    empty = [r[0] for r in db.execute(
        "SELECT article_id FROM articles WHERE article_id NOT IN (SELECT article_id FROM passages)")]
    if empty:
        report.add("sqlite", "{n} article(s) have no passages", empty)
    gaps = [r[0] for r in db.execute(
        "SELECT article_id FROM passages GROUP BY article_id "
        "HAVING MIN(position) <> 0 OR MAX(position) <> COUNT(*) - 1 OR COUNT(DISTINCT position) <> COUNT(*)")]
    if gaps:
        report.add("sqlite", "{n} article(s) have passages not numbered 0..n-1", gaps)
    wrong_day = [aid for aid, date, day in db.execute("SELECT article_id, date, day FROM articles")
                 if day != day_number(date)]
    if wrong_day:
        report.add("sqlite", "{n} article(s) whose day column disagrees with their date", wrong_day)
    unpublished = [r[0] for r in db.execute("SELECT article_id FROM articles WHERE published=0")]
    if unpublished:
        report.add("sqlite", "{n} committed article(s) not published", unpublished)
    missing_files = [name for name in referenced_originals(db) if original_path(index.directory, name) is None]
    if missing_files:
        report.add("berkas", "{n} kept original(s) named by articles are missing", missing_files)
    return ids


def _check_derived(index: Index, ledger: list[str], report: CheckReport, quick: bool) -> None:
    """Chroma, the vector table and BM25 against the ledger (the caller holds the writer lock)."""
    pending = [r[0] for r in index.db.execute("SELECT passage_id FROM pending_deletes")]
    if pending:
        report.add("chroma", "{n} vector deletion(s) pending", pending)
    for key in ("lexical_stale", "vectors_stale"):
        if index.get_meta(key) == "1":
            report.add("meta", f"{key} is set: a rebuild did not finish")
    _check_leftovers(index.directory, report)
    try:
        chroma = _check_chroma(index, ledger, report)
    except Exception as err:  # Chroma writes when it opens: on a full disk it cannot
        if not (is_disk_full(err) or shutil.disk_usage(index.directory).free < FULL_BYTES):
            raise
        report.add("chroma", "cannot be opened: the disk is full (Chroma writes when it opens); free space and "
                             "check again")
        return
    table = _check_table(index, ledger, report)
    _check_lexical(index, ledger, report)
    if table is not None:
        _compare_vectors(index, chroma, table, report, quick)


def _check_leftovers(directory: Path, report: CheckReport) -> None:
    for name in ("lexical", "vectors"):
        left = sorted(p.name for p in directory.glob(f".{name}.*") if p.is_dir())
        if left:
            report.add(name, "{n} temporary or old director(ies) of an interrupted rebuild left", left)


def _id_problems(store: str, ids: Sequence[str], ledger: list[str], report: CheckReport) -> None:
    """``ids`` should be exactly the ledger's ids, each once."""
    have, want = set(ids), set(ledger)
    missing, extra = sorted(want - have), sorted(have - want)
    dups = [pid for pid, n in Counter(ids).items() if n > 1]
    if missing:
        report.add(store, "{n} passage(s) of the ledger missing", missing)
    if extra:
        report.add(store, "{n} passage(s) that the ledger does not hold", extra)
    if dups:
        report.add(store, "{n} passage(s) held more than once", dups)


def chroma_entries(index: Index, *, embeddings: bool) -> dict[str, tuple[dict, np.ndarray | None]]:
    """Every Chroma entry: id -> (metadata, vector or None), read in pages."""
    include = ["metadatas", "embeddings"] if embeddings else ["metadatas"]
    collection, step = index.vectors.collection, index.vectors.max_batch
    found: dict[str, tuple[dict, np.ndarray | None]] = {}
    offset = 0
    while True:
        got = collection.get(include=include, limit=step, offset=offset)
        vectors = got["embeddings"] if embeddings else [None] * len(got["ids"])
        for pid, meta, vec in zip(got["ids"], got["metadatas"], vectors):
            found[pid] = (meta or {}, None if vec is None else np.asarray(vec, dtype=np.float32))
        if len(got["ids"]) < step:
            return found
        offset += step


def _check_chroma(index: Index, ledger: list[str], report: CheckReport
                  ) -> dict[str, tuple[dict, np.ndarray | None]] | None:
    """Chroma's ids and metadata against the ledger; None when ``startup`` found the counts equal and listed
    nothing."""
    if report.startup:
        held = index.vectors.count()
        if held == len(ledger):
            report.counts["chroma"] = held
            return None
    entries = chroma_entries(index, embeddings=not report.quick)
    report.counts["chroma"] = len(entries)
    _id_problems("chroma", list(entries), ledger, report)
    expected = {r[0]: r[1:] for r in index.db.execute(
        "SELECT p.passage_id, a.article_id, p.position, a.source, a.category, a.day "
        "FROM passages p JOIN articles a USING (article_id)")}
    wrong = [pid for pid, (meta, _) in entries.items() if pid in expected
             and tuple(meta.get(k) for k in METADATA_KEYS) != expected[pid]]
    if wrong:
        report.add("chroma", "{n} vector(s) whose metadata (article, position, source, category, day) "
                             "disagrees with the ledger", wrong)
    return entries


def _check_table(index: Index, ledger: list[str], report: CheckReport) -> VectorTable | None:
    directory = table_dir(index.directory)
    if not ledger and not directory.exists():
        return None
    try:
        table = VectorTable.load(directory)
    except (OSError, ValueError, KeyError) as err:
        report.add("vectors", f"the vector table cannot be read ({type(err).__name__}: {str(err)[:120]})")
        return None
    report.counts["vectors"] = len(table)
    _id_problems("vectors", table.ids, ledger, report)
    if len(table):
        norms = np.linalg.norm(np.asarray(table.matrix, dtype=np.float32), axis=1)
        empty = [table.ids[i] for i in np.flatnonzero(norms < 0.5)]
        if empty:
            report.add("vectors", "{n} row(s) without a vector", empty)
    return table


def _check_lexical(index: Index, ledger: list[str], report: CheckReport) -> None:
    if not ledger and not index.lexical_dir.exists():
        return
    if not index.lexical_dir.is_dir():
        report.add("lexical", f"{index.lexical_dir.name}/ is missing")
    try:
        lexical = LexicalIndex.load(index.lexical_dir)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as err:
        report.add("lexical", f"the BM25 index cannot be read ({type(err).__name__}: {str(err)[:120]})")
        return
    report.counts["lexical"] = len(lexical)
    _id_problems("lexical", lexical.ids, ledger, report)


def _compare_vectors(index: Index, chroma: dict[str, tuple[dict, np.ndarray | None]] | None, table: VectorTable,
                     report: CheckReport, quick: bool) -> None:
    """Chroma's vector against the table's row, for every shared passage (quick: a sample; ``chroma`` None: not
    listed, the sample is drawn from the table and read from Chroma)."""
    shared = list(table.ids) if chroma is None else [pid for pid in table.ids if pid in chroma]
    if quick:
        shared = random.Random(0).sample(shared, min(QUICK_SAMPLE, len(shared)))
        fetched = index.vectors.get_vectors(shared, local=False)
        vectors = {pid: fetched.get(pid) for pid in shared}
    else:
        vectors = {pid: chroma[pid][1] for pid in shared}
    report.counts["vectors_compared"] = len(shared)
    rows = table.get(shared)
    differ = [pid for pid in shared if vectors[pid] is None
              or float(np.max(np.abs(vectors[pid] - rows[pid]))) > TOLERANCE]
    if differ:
        report.add("vectors", "{n} row(s) differ from the vector in Chroma", differ)
