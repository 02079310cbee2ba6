"""The index on disk: an article/passage database (SQLite) beside a Chroma collection of vectors.

SQLite is the ledger of what is indexed; Chroma holds one vector per passage under the same id.
Writes go to Chroma first, then SQLite commits, then vectors of replaced passages are deleted
(tracked in ``pending_deletes`` so an interrupted run finishes the cleanup next time).

Articles are written unpublished (``published = 0``) and become visible to readers (search, article pages,
counts) only when the writer has brought the derived stores (BM25, vector table) in step and publishes them
(``publish``) in one transaction, so a reader never sees an article that half the stores lack. A writer
killed before publishing leaves its committed articles unpublished; the next writer or reader publishes them
(``ingest.pipeline.settle``).
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ingest import stages, wire
from ingest.article import Article
from ingest.chroma import ChromaVectors
from ingest.schema import (
    ADDED_COLUMNS,
    ADDED_PASSAGE_COLUMNS,
    ARTICLE_COLUMNS,
    PASSAGE_COLUMNS,
    SCHEMA,
    SENTENCE_MARK,
    PassageRow,
    article_values,
    article_vector_metadata,
    day_number,
    passage_values,
    vector_metadata,
)
from ingest.settings import setting
from ingest.vectable import table_dir

ROW_CACHE = 20_000  # passage rows kept in memory by Index.passages (about 60 MB)


class Index:
    """An index directory: ``articles.sqlite``, ``chroma/`` (or a Chroma server) and ``lexical/``."""

    def __init__(self, directory: str | Path | None = None, *, chroma_host: str | None = None,
                 chroma_port: int | None = None, collection: str | None = None):
        self.directory = Path(setting("index", str(directory) if directory else None))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.db_path = self.directory / "articles.sqlite"
        self.lexical_dir = self.directory / "lexical"
        self._chroma_args = {"host": setting("chroma_host", chroma_host),
                             "port": int(setting("chroma_port", str(chroma_port) if chroma_port else None)),
                             "name": setting("collection", collection)}
        self._vectors: ChromaVectors | None = None
        self._local = threading.local()
        self._row_cache: dict[str, sqlite3.Row] = {}
        self._rows_stamp: tuple | None = None
        self._rows_lock = threading.Lock()
        self._vectors_lock = threading.Lock()
        self._commit_lock = threading.RLock()
        self._commit_depth = 0
        self._commit_handle = None
        self.db.executescript(SCHEMA)
        self._migrate()
        self.db.executescript(wire.SCHEMA)

    def _migrate(self) -> None:
        """Add the columns that older index files lack (their values fill in when articles are re-ingested)."""
        have = {r[1] for r in self.db.execute("PRAGMA table_info(articles)")}
        with self.db:
            for name, declaration in ADDED_COLUMNS:
                if name not in have:
                    self.db.execute(f"ALTER TABLE articles ADD COLUMN {name} {declaration}")
            have_passage = {r[1] for r in self.db.execute("PRAGMA table_info(passages)")}
            for name, declaration in ADDED_PASSAGE_COLUMNS:
                if name not in have_passage:
                    self.db.execute(f"ALTER TABLE passages ADD COLUMN {name} {declaration}")
            self.db.execute("CREATE INDEX IF NOT EXISTS articles_cluster ON articles(cluster_id)")
            self.db.execute("CREATE INDEX IF NOT EXISTS articles_unpublished ON articles(published) "
                            "WHERE published=0")

    @property
    def db(self) -> sqlite3.Connection:
        """A connection for the calling thread (the web server answers from several threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=60)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @property
    def vectors(self) -> ChromaVectors:
        """The Chroma collection, opened once even when threads ask at the same time (warm-up and a request)."""
        if self._vectors is None:
            with self._vectors_lock:
                if self._vectors is None:
                    self._vectors = ChromaVectors(self.directory, **self._chroma_args)
        return self._vectors

    # -- metadata -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- reading ------------------------------------------------------------------------------
    def fingerprints(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT article_id, fingerprint FROM articles"))

    def passage_ids_of(self, article_id: str) -> list[str]:
        rows = self.db.execute("SELECT passage_id FROM passages WHERE article_id=? ORDER BY position",
                               (article_id,))
        return [r[0] for r in rows]

    def article(self, article_id: str) -> sqlite3.Row | None:
        """A published article's row."""
        return self.db.execute("SELECT * FROM articles WHERE article_id=? AND published=1",
                               (article_id,)).fetchone()

    def needs_settling(self) -> bool:
        """Did a writer leave work for the next one: articles unpublished, BM25 / the vector table marked stale
        (a run killed after pruning has nothing unpublished but removed passages they still hold), vectors
        whose deletion or commit did not finish, or no BM25 / vector table yet (an index from before they existed)?"""
        return (self.has_unpublished() or "1" in {self.get_meta("lexical_stale"), self.get_meta("vectors_stale")}
                or self.db.execute("SELECT 1 FROM pending_deletes LIMIT 1").fetchone() is not None
                or (not (self.lexical_dir.is_dir() and table_dir(self.directory).is_dir())  # an older index
                    and self.db.execute("SELECT 1 FROM passages LIMIT 1").fetchone() is not None))

    def has_unpublished(self) -> bool:
        """Are there committed articles that no writer has published yet (a writer is busy, or was killed)?"""
        return self.db.execute("SELECT 1 FROM articles WHERE published=0 LIMIT 1").fetchone() is not None

    def passages(self, passage_ids: Sequence[str]) -> dict[str, sqlite3.Row]:
        """Passage rows joined with their article's metadata, by passage id.

        The last ``ROW_CACHE`` rows read are kept (a search reads its best ~200 candidates' rows for the
        sentence signal, then the page's; paging and refining a query read them again); any commit to the
        database, by any connection or process, empties that cache."""
        cache = self._rows()
        found = {pid: row for pid in passage_ids if (row := cache.get(pid)) is not None}
        todo = [pid for pid in passage_ids if pid not in found] if found else list(passage_ids)
        fresh = self._read_passages(todo)
        found.update(fresh)
        with self._rows_lock:
            cache.update(fresh)
            for _ in range(len(cache) - ROW_CACHE):
                cache.pop(next(iter(cache)))
        return found

    def stamp(self) -> tuple:
        """Changes whenever any connection or process commits to the database (its and its WAL's stat)."""
        return tuple(_stat_stamp(self.db_path.with_name(self.db_path.name + suffix)) for suffix in ("", "-wal"))

    def _rows(self) -> dict[str, sqlite3.Row]:
        """The row cache, emptied when the database files changed since it was filled."""
        stamp = self.stamp()
        if stamp != self._rows_stamp:
            with self._rows_lock:
                self._row_cache, self._rows_stamp = {}, stamp
        return self._row_cache

    def _read_passages(self, passage_ids: Sequence[str]) -> dict[str, sqlite3.Row]:
        found: dict[str, sqlite3.Row] = {}
        for start in range(0, len(passage_ids), 500):
            chunk = list(passage_ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT p.passage_id, p.article_id, p.position, p.text, p.start_char, p.end_char, p.tokens, "
                f"p.page, p.page_end, a.title, a.date, a.day, a.source, a.url, a.category, a.author, a.regions, "
                f"COALESCE(a.cluster_id, a.article_id) AS cluster_id, "
                f"json_extract(a.extra, '$.page_kind') AS page_kind, "
                f"json_extract(a.extra, '$.content_type') AS content_type, json_extract(a.extra, '$.pages') AS pages "
                f"FROM passages p JOIN articles a USING (article_id) WHERE a.published=1 AND p.passage_id IN ({marks})",
                chunk)
            found.update((r["passage_id"], r) for r in rows)
        return found

    def first_passage_ids(self) -> list[str]:
        """The first passage of every article (what a filter-only listing shows)."""
        return [r[0] for r in self.db.execute(
            "SELECT passage_id FROM passages JOIN articles USING (article_id) WHERE position=0 AND published=1")]

    def cluster_members(self, cluster_id: str) -> list[sqlite3.Row]:
        """The articles of a wire-copy cluster, earliest first."""
        return list(self.db.execute(
            "SELECT article_id, title, source, date, url FROM articles WHERE cluster_id=? AND published=1 "
            "ORDER BY date IS NULL, substr(date, 1, 10), article_id", (cluster_id,)))

    def article_passages(self, article_id: str) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT p.* FROM passages p JOIN articles a USING (article_id) "
                                    "WHERE article_id=? AND a.published=1 ORDER BY position", (article_id,)))

    def all_tokens(self) -> Iterator[tuple[str, list[str]]]:
        for pid, tokens in self.db.execute("SELECT passage_id, tokens FROM passages ORDER BY article_id, position"):
            yield pid, [t for t in tokens.split(" ") if t and t != SENTENCE_MARK]

    def article_count(self) -> int:
        """Published articles."""
        return self.db.execute("SELECT COUNT(*) FROM articles WHERE published=1").fetchone()[0]

    def passage_count(self) -> int:
        """Passages of published articles."""
        return self.db.execute("SELECT COUNT(*) FROM passages JOIN articles USING (article_id) "
                               "WHERE published=1").fetchone()[0]

    def origins(self) -> dict[str, list[str]]:
        """Article ids by the file they were read from."""
        by_origin: dict[str, list[str]] = {}
        for aid, origin in self.db.execute("SELECT article_id, origin FROM articles"):
            by_origin.setdefault(origin, []).append(aid)
        return by_origin

    # -- writing ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the index's writer lock (``write.lock``, across threads and processes): one writer at a time.

        Waits up to ``timeout`` seconds (None: as long as it takes), then raises TimeoutError."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with open(self.directory / "write.lock", "a+b") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | (fcntl.LOCK_NB if deadline is not None else 0))
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise TimeoutError(f"index {self.directory} is being written by another writer") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def commit_point(self) -> Iterator[None]:
        """Hold the index's commit lock (``commit.lock``): writers hold it while they change Chroma, the ledger
        or the swapped files, so whoever holds it (``telusur backup``) sees the stores at a commit point.
        Re-entrant within a process; held for seconds at a time, never while embedding."""
        with self._commit_lock:
            if self._commit_depth == 0:
                self._commit_handle = open(self.directory / "commit.lock", "a+b")  # noqa: SIM115
                fcntl.flock(self._commit_handle, fcntl.LOCK_EX)
            self._commit_depth += 1
            try:
                yield
            finally:
                self._commit_depth -= 1
                if self._commit_depth == 0:
                    fcntl.flock(self._commit_handle, fcntl.LOCK_UN)
                    self._commit_handle.close()

    def put_articles(self, items: Sequence[tuple[Article, Sequence[PassageRow], np.ndarray]]) -> list[tuple[int, int]]:
        """``put_article`` for several articles with one Chroma upsert for all their vectors (a call costs
        ~18 ms whatever its size), then SQLite article by article; returns (added, removed) per article.

        The new ids are recorded in ``pending_deletes`` before the upsert: a writer killed between the upsert
        and the commits leaves no vector that the ledger does not list (``flush_deletes`` removes them)."""
        items = [(a, rows, vecs) for a, rows, vecs in items]
        with_rows = [(a, rows, vecs) for a, rows, vecs in items if rows]
        with self.commit_point():
            if with_rows:
                ids = [r.passage_id for _, rows, _ in with_rows for r in rows]
                self._intend(ids)
                stages.mark("chroma")
                metadata = [article_vector_metadata(a, r, day_number(a.date)) for a, rows, _ in with_rows for r in rows]
                self.vectors.upsert(ids, np.concatenate([np.asarray(v) for _, _, v in with_rows]), metadata)
            stages.mark("ledger")
            written = [self.put_article(a, rows, vecs, upserted=True, flush=False) for a, rows, vecs in items]
            self.flush_deletes()
        return written

    def _intend(self, passage_ids: Sequence[str]) -> None:
        """Record vectors about to be written, so that a kill before their commit cannot orphan them."""
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO pending_deletes VALUES (?)", [(p,) for p in passage_ids])

    def put_article(self, article: Article, rows: Sequence[PassageRow], vectors: np.ndarray, *,
                    upserted: bool = False, flush: bool = True) -> tuple[int, int]:
        """Store (or replace) one article with its passages; returns (passages added, removed).

        ``upserted``: its vectors are already in Chroma (``put_articles``); ``flush``: delete the vectors of
        replaced passages now (``put_articles`` does it once, after every article of the batch is committed)."""
        old_ids = set(self.passage_ids_of(article.article_id))
        new_ids = [r.passage_id for r in rows]
        fresh = [pid for pid in new_ids if pid not in old_ids]
        if rows and not upserted:  # all rows: unchanged passages may carry changed article metadata
            day = day_number(article.date)
            self._intend(new_ids)
            self.vectors.upsert(new_ids, vectors, [article_vector_metadata(article, r, day) for r in rows])
        stale = sorted(old_ids - set(new_ids))
        with self.db:
            self.db.execute("DELETE FROM passages WHERE article_id=?", (article.article_id,))
            self.db.execute(f"INSERT OR REPLACE INTO articles ({','.join(ARTICLE_COLUMNS)}, published) "
                            f"VALUES ({','.join('?' * len(ARTICLE_COLUMNS))}, 0)", article_values(article))
            self.db.executemany(f"INSERT OR REPLACE INTO passages ({','.join(PASSAGE_COLUMNS)}) "
                                f"VALUES ({','.join('?' * len(PASSAGE_COLUMNS))})",
                                [passage_values(r) for r in rows])
            wire.link(self.db, article.article_id, article.text)
            self.db.executemany("INSERT OR IGNORE INTO pending_deletes VALUES (?)", [(p,) for p in stale])
        if flush:
            self.flush_deletes()
        return len(fresh), len(stale)

    def touch_origin(self, article_id: str, origin: str) -> None:
        """Record that an unchanged article was (re)read from ``origin``."""
        with self.db:
            self.db.execute("UPDATE articles SET origin=? WHERE article_id=? AND origin<>?",
                            (origin, article_id, origin))

    def remove_articles(self, article_ids: Iterable[str]) -> int:
        """Remove articles and their passages; returns the number of passages removed."""
        removed = 0
        for aid in article_ids:
            ids = self.passage_ids_of(aid)
            with self.db:
                self.db.execute("DELETE FROM passages WHERE article_id=?", (aid,))
                self.db.execute("DELETE FROM articles WHERE article_id=?", (aid,))
                wire.unlink(self.db, aid)
                self.db.executemany("INSERT OR IGNORE INTO pending_deletes VALUES (?)", [(p,) for p in ids])
            removed += len(ids)
        self.flush_deletes()
        return removed

    def flush_deletes(self, *, resync: bool = False) -> None:
        """Delete vectors of passages that SQLite no longer lists (finishes interrupted cleanups and writes).

        ``resync``: also give the listed passages that the ledger holds its metadata again (a writer killed
        between upserting a changed article's vectors and committing it left the new metadata in Chroma)."""
        ids = [r[0] for r in self.db.execute("SELECT passage_id FROM pending_deletes")]
        if not ids:
            return
        with self.commit_point():
            live = self._stored_passage_ids(ids)
            dead = [i for i in ids if i not in live]
            if dead:
                self.vectors.delete(dead)
            if resync and live:
                self.vectors.update_metadata(*zip(*self._ledger_metadata(sorted(live)).items()))
            with self.db:
                self.db.executemany("DELETE FROM pending_deletes WHERE passage_id=?", [(i,) for i in ids])


    def _ledger_metadata(self, passage_ids: Sequence[str]) -> dict[str, dict]:
        """The Chroma metadata of these passages as the ledger has it."""
        found: dict[str, dict] = {}
        for start in range(0, len(passage_ids), 500):
            chunk = list(passage_ids[start:start + 500])
            for pid, *values in self.db.execute(
                    f"SELECT p.passage_id, a.article_id, p.position, a.source, a.category, a.day FROM passages p "
                    f"JOIN articles a USING (article_id) WHERE p.passage_id IN ({','.join('?' * len(chunk))})",
                    chunk):
                found[pid] = vector_metadata(*values)
        return found

    def _stored_passage_ids(self, passage_ids: Sequence[str]) -> set[str]:
        """Which of these passages the ledger holds, published or not."""
        found: set[str] = set()
        for start in range(0, len(passage_ids), 500):
            chunk = list(passage_ids[start:start + 500])
            found.update(r[0] for r in self.db.execute(
                f"SELECT passage_id FROM passages WHERE passage_id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def publish(self) -> int:
        """Make every committed, unpublished article visible to readers (one transaction); returns how many."""
        with self.db:
            return self.db.execute("UPDATE articles SET published=1 WHERE published=0").rowcount


def _stat_stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)
