"""Every passage vector in one float32 matrix on disk, memory-mapped read-only by search workers.

Chroma answers nearest-neighbour queries; this table answers what Chroma is slow at: exact scores of an
arbitrary subset of passages (the ones a date/source/category/region filter allows: Chroma's ``where`` path
takes 120-170 ms at 100k passages) and the vectors of given passages (BM25-only candidates), without a
round trip. Ingest rebuilds it after every run that changed passages, reusing the rows of passages it did not
write and reading the others from Chroma, so the cost follows the change, not the index size.

On disk, ``INDEX/vectors/``: ``vectors.npy`` (rows in ``ids.json`` order) and ``table.json`` (row count,
dimension; written last), swapped in atomically like the BM25 index. Several workers map the same file, so
the operating system keeps one copy in memory.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

META_FILE = "table.json"
# rows scored per matrix-vector product in ``nearest``: small enough that OpenBLAS runs it in the calling thread
# (a threaded product waits for a second core: 8 ms instead of 0.4 ms at 5k rows on a loaded machine), and
# row for row the same scores as one product over the whole table
SCAN_ROWS = 1024
DIRNAME = "vectors"


def table_dir(index_dir: Path) -> Path:
    return Path(index_dir) / DIRNAME


class VectorTable:
    """Passage ids and their vectors (row ``i`` of ``matrix`` is ``ids[i]``)."""

    def __init__(self, ids: list[str], matrix: np.ndarray):
        if len(ids) != len(matrix):
            raise ValueError(f"{len(ids)} ids but {len(matrix)} vectors")
        self.ids = ids
        self.matrix = matrix
        self.rows = {pid: row for row, pid in enumerate(ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def get(self, ids: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors of the given ids that the table holds."""
        wanted = [(pid, self.rows[pid]) for pid in ids if pid in self.rows]
        if not wanted:
            return {}
        block = np.asarray(self.matrix[[row for _, row in wanted]], dtype=np.float32)
        return {pid: block[i] for i, (pid, _) in enumerate(wanted)}

    def top(self, vector: np.ndarray, rows: np.ndarray, n: int) -> list[tuple[str, float]]:
        """The ``n`` best of ``rows`` by exact cosine (dot product of normalised vectors), best first."""
        if n <= 0 or len(rows) == 0:
            return []
        return self._best(self.matrix[rows] @ np.asarray(vector, dtype=np.float32), n, rows)

    def nearest(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """The ``n`` nearest passages of the whole table by exact cosine, best first (``top`` over every row,
        without copying the rows): what the table holds decides, not the order it was written in."""
        if n <= 0 or not len(self.ids):
            return []
        vector = np.asarray(vector, dtype=np.float32)
        scores = np.empty(len(self.ids), dtype=np.float32)
        for start in range(0, len(scores), SCAN_ROWS):  # blocks BLAS scores in one thread: no thread hand-off
            scores[start:start + SCAN_ROWS] = self.matrix[start:start + SCAN_ROWS] @ vector
        return self._best(scores, n)

    def _best(self, scores: np.ndarray, n: int, rows: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The ``n`` best ``scores`` as (id, score), best first, ties by passage id. Every score equal to the
        ``n``-th is a candidate, so which of the tied passages make the cut does not depend on row order."""
        if len(scores) > n:
            cut = np.partition(scores, len(scores) - n)[len(scores) - n]
            best = np.flatnonzero(scores >= cut)
        else:
            best = np.arange(len(scores))
        pids = [self.ids[i if rows is None else rows[i]] for i in best]
        order = sorted(range(len(best)), key=lambda j: (-scores[best[j]], pids[j]))[:n]
        return [(pids[j], float(scores[best[j]])) for j in order]

    def save(self, directory: Path) -> None:
        """Write to ``directory``, replacing what is there atomically (a crash leaves the old or the new)."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        for stale in directory.parent.glob(f".{directory.name}.tmp-*"):  # left by a killed writer
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
        try:
            np.save(tmp / "vectors.npy", np.ascontiguousarray(self.matrix, dtype=np.float32))
            (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
            dim = int(self.matrix.shape[1]) if self.matrix.ndim == 2 else 0
            (tmp / META_FILE).write_text(json.dumps({"rows": len(self.ids), "dim": dim}), encoding="utf-8")
            old = directory.with_name(f".{directory.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            if directory.exists():
                os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> VectorTable:
        """Open a table written by ``save``; with ``mmap`` the matrix is mapped read-only."""
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        matrix = np.load(directory / "vectors.npy", mmap_mode="r" if mmap else None)
        if len(ids) != meta["rows"] or len(matrix) != meta["rows"]:
            raise ValueError(f"{directory}: inconsistent vector table")
        return cls(ids, matrix)


def rebuild_vectors(index, changed: set[str] | None = None, batch: int = 2000) -> VectorTable:
    """Bring ``INDEX/vectors`` in step with the stored passages.

    Rows of passages not in ``changed`` are reused from the previous table; the rest are read from Chroma.
    ``changed=None`` means unknown: everything is read again."""
    ids = [r[0] for r in index.db.execute("SELECT passage_id FROM passages ORDER BY article_id, position")]
    directory = table_dir(index.directory)
    old = _previous(directory) if changed is not None else None
    reuse = {} if old is None else {pid: old.rows[pid] for pid in ids if pid in old.rows and pid not in changed}
    fetch = [pid for pid in ids if pid not in reuse]
    fetched = _from_chroma(index, fetch, batch)
    dim = old.matrix.shape[1] if old is not None and len(old) else (
        len(next(iter(fetched.values()))) if fetched else 0)
    matrix = np.zeros((len(ids), dim), dtype=np.float32)
    for row, pid in enumerate(ids):
        if pid in reuse:
            matrix[row] = old.matrix[reuse[pid]]
        elif pid in fetched:
            matrix[row] = fetched[pid]
    table = VectorTable(ids, matrix)
    table.save(directory)
    return table


def _previous(directory: Path) -> VectorTable | None:
    try:
        return VectorTable.load(directory)
    except (OSError, ValueError, KeyError):
        return None


def _from_chroma(index, ids: Sequence[str], batch: int) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), batch):
        found.update(index.vectors.get_vectors(list(ids[start:start + batch]), local=False))
    return found
