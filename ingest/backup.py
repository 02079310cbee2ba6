"""``telusur backup DEST``: a consistent copy of a live index, taken while it serves and ingests.

The copy is taken at a commit point (``Index.commit_point``): writers hold that lock only while they change
Chroma, the ledger or the swapped files (never while reading or embedding), so the backup waits seconds, not
for a whole ingest. The SQLite files (the ledger, Chroma's own database, the embedding cache) are copied with
SQLite's online backup API; Chroma's segment files, the BM25 files, the vector table and the kept originals
are copied as they are at that point (the swapped directories by name, never a temporary or ``.old`` one).

What an ingest had committed but not yet published at that moment is in the copy, unpublished: the first
reader or writer of the copy (or ``telusur check``) publishes it, as after a kill. Restoring is copying the
backup back in place of the index (with no server or ingest running on it).
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ingest.store import Index

SQLITE_SUFFIXES = (".sqlite", ".sqlite3")
SKIPPED = ("write.lock", "commit.lock")


@dataclass
class BackupReport:
    dest: Path
    files: int
    bytes: int
    waited: float  # seconds spent waiting for the commit point
    seconds: float

    def line(self) -> str:
        return (f"backup: {self.files} files, {self.bytes / 1e6:.1f} MB copied to {self.dest} in {self.seconds:.1f} s "
                f"(waited {self.waited:.1f} s for a commit point); check it with: telusur check --index {self.dest}")


def backup(index: Index, dest: str | Path) -> BackupReport:
    """Copy ``index`` to ``dest`` (a new or empty folder) at a commit point."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} exists and is not empty; back up into a new folder")
    if index._chroma_args["host"]:
        raise ValueError("the vectors live in a Chroma server (CHROMA_HOST): back up its data folder with the "
                         "server stopped; `telusur backup` copies local indexes")
    if not index.db_path.exists():
        raise FileNotFoundError(f"{index.directory} holds no index (no {index.db_path.name})")
    dest.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with index.commit_point():
        waited = time.perf_counter() - started
        copied = _copy_tree(index.directory, dest)
    return BackupReport(dest, len(copied), sum(p.stat().st_size for p in copied), waited,
                        time.perf_counter() - started)


def _copy_tree(source: Path, dest: Path) -> list[Path]:
    """Copy ``source`` into ``dest``: SQLite databases through the backup API, other files as they are;
    leaves out locks, SQLite's side files and the temporary or old directories of an interrupted rebuild."""
    copied: list[Path] = []
    for path in sorted(source.iterdir()):
        target = dest / path.name
        if path.name in SKIPPED or path.name.startswith(".") or path.name.endswith(("-wal", "-shm", "-journal")):
            continue
        if path.is_dir():
            target.mkdir()
            copied += _copy_tree(path, target)
        elif path.suffix in SQLITE_SUFFIXES:
            _sqlite_copy(path, target)
            copied.append(target)
        elif path.is_file():
            shutil.copy2(path, target)
            copied.append(target)
    return copied


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API), as one file without a WAL."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    out = sqlite3.connect(target)
    try:
        src.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")
    finally:
        out.close()
        src.close()
