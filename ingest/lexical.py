"""BM25 over passage ids, built with ``bm25s`` and saved as a directory beside the Chroma index.

The ingest pipeline keeps each passage's terms (``ingest.analyzer.analyze``) and rebuilds the whole index
after every run (bm25s has no incremental update; 100k passages build in about 2 s). Search workers
``load`` it read-only with the score arrays memory-mapped, so several processes share one copy.

On disk (one directory)::

    lexical.json                    format, parameters, passage and term counts (written last)
    ids.json                        passage ids, in row order
    params.index.json, vocab.index.json, {data,indices,indptr}.csc.index.npy   bm25s' own files

``save`` writes a temporary sibling directory and swaps it in with two renames, so a crash leaves
either the old or the new index: if it strikes between the renames, the old one is still at
``.<name>.old`` and ``load`` falls back to it. One writer at a time is assumed (the ingest run); it
also removes temporary directories a killed writer left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np

FORMAT = 1
META_FILE = "lexical.json"
IDS_FILE = "ids.json"
# nDCG@10 on the TyDi QA-id / FacQA dev splits is flat near here: 0.730 / 0.862 at (0.9, 0.5), against
# 0.729 / 0.857 at (1.2, 0.75) and 0.729 / 0.855 at bm25s' default (1.5, 0.75).
K1 = 0.9
B = 0.5


class LexicalIndex:
    """A BM25 index whose rows are passages, identified by ``ids`` (row ``i`` is ``ids[i]``)."""

    def __init__(self, ids: list[str], retriever: bm25s.BM25 | None):
        self.ids = ids
        self.retriever = retriever  # None when no passage has any term
        self._rows: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, ids: Sequence[str], tokens: Sequence[list[str]], *, k1: float = K1,
              b: float = B) -> LexicalIndex:
        """Index passage ``ids[i]`` with terms ``tokens[i]`` (Lucene BM25 with ``k1`` and ``b``)."""
        ids = list(ids)
        if len(ids) != len(tokens):
            raise ValueError(f"{len(ids)} ids but {len(tokens)} token lists")
        if len(set(ids)) != len(ids):
            raise ValueError("passage ids are not unique")
        if not any(tokens):
            return cls(ids, None)
        retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        retriever.index(list(tokens), create_empty_token=False, show_progress=False)
        return cls(ids, retriever)

    def search(self, query_tokens: list[str], k: int, *,
               allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top ``k`` passages as ``(id, score)``, best first; only passages sharing a term with the query.

        ``allowed`` is a boolean mask over rows (``len(self)`` long, aligned with ``ids``; see ``mask``):
        only rows where it is true are returned. Scores are computed for every row and then masked, which
        is exact however selective the filter is (retrieving more and filtering afterwards returned too few
        hits for selective filters and was no faster). Repeated query terms count repeatedly, as in bm25s.
        """
        if allowed is not None and (allowed.dtype != bool or allowed.shape != (len(self),)):
            raise ValueError(f"allowed must be a boolean mask of length {len(self)}, "
                             f"got {allowed.dtype} {allowed.shape}")
        term_ids = self.term_ids(query_tokens)
        if k <= 0 or not term_ids:
            return []
        scores = self.retriever.get_scores_from_ids(term_ids)
        rows = top_k(scores, k, allowed)
        return [(self.ids[row], float(scores[row])) for row in rows]

    def term_ids(self, query_tokens: Iterable[str]) -> list[int]:
        """Vocabulary ids of the query terms that occur in the index (unknown terms dropped)."""
        if self.retriever is None:
            return []
        vocab = self.retriever.vocab_dict
        return [vocab[t] for t in query_tokens if t in vocab]

    def idf(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 idf of each query term (0 for terms the index does not hold), from the document frequencies."""
        if self.retriever is None:
            return np.zeros(len(query_tokens))
        vocab = self.retriever.vocab_dict
        indptr = self.retriever.scores["indptr"]
        n = len(self)
        df = np.array([indptr[vocab[t] + 1] - indptr[vocab[t]] if t in vocab else 0 for t in query_tokens],
                      dtype=np.float64)
        return np.where(df > 0, np.log(1 + (n - df + 0.5) / (df + 0.5)), 0.0)

    def held_terms(self, query_tokens: Iterable[str], ids: Sequence[str]) -> np.ndarray:
        """How many of the distinct ``query_tokens`` each passage of ``ids`` holds (0 for unknown ids), read
        from the postings: a few array additions instead of reading every candidate's terms."""
        counts = np.zeros(len(self) + 1, dtype=np.int32)  # the last slot counts for unknown ids
        if self.retriever is not None:
            indptr, indices = self.retriever.scores["indptr"], self.retriever.scores["indices"]
            for term in set(self.term_ids(query_tokens)):
                counts[indices[indptr[term]:indptr[term + 1]]] += 1
        rows = self.rows()
        return counts[[rows.get(pid, len(self)) for pid in ids]]

    def rows(self) -> dict[str, int]:
        """Passage id -> row."""
        if self._rows is None:
            self._rows = {pid: row for row, pid in enumerate(self.ids)}
        return self._rows

    def mask(self, ids: Iterable[str]) -> np.ndarray:
        """Boolean row mask for ``search(allowed=...)``, true for the given ids (unknown ids ignored)."""
        rows = [row for row in map(self.rows().get, ids) if row is not None]
        allowed = np.zeros(len(self), dtype=bool)
        allowed[rows] = True
        return allowed

    def save(self, directory: Path) -> None:
        """Write the index to ``directory``, replacing any index there atomically (see module doc)."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        for stale in directory.parent.glob(f".{directory.name}.tmp-*"):  # left by a killed writer
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-", dir=directory.parent))
        try:
            self._write(tmp)
            _fsync_tree(tmp)
            _swap_in(tmp, directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _write(self, directory: Path) -> None:
        if self.retriever is not None:
            self.retriever.save(directory, show_progress=False)
        (directory / IDS_FILE).write_text(json.dumps(self.ids, ensure_ascii=False), encoding="utf-8")
        meta = {"format": FORMAT, "passages": len(self.ids),
                "terms": len(self.retriever.vocab_dict) if self.retriever else 0,
                "k1": self.retriever.k1 if self.retriever else None,
                "b": self.retriever.b if self.retriever else None}
        (directory / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> LexicalIndex:
        """Open an index written by ``save``; with ``mmap`` the score arrays are mapped read-only."""
        directory = _existing(Path(directory))
        meta_path = directory / META_FILE
        if not meta_path.is_file():
            raise FileNotFoundError(f"{directory} is not a complete lexical index (no {META_FILE})")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{directory}: lexical index format {meta.get('format')}, expected {FORMAT}")
        ids = json.loads((directory / IDS_FILE).read_text(encoding="utf-8"))
        if len(ids) != meta["passages"]:
            raise ValueError(f"{directory}: {len(ids)} ids but {meta['passages']} passages")
        if not meta["terms"]:
            return cls(ids, None)
        retriever = bm25s.BM25.load(directory, mmap=mmap, show_progress=False)
        rows = retriever.scores["num_docs"]
        if rows != len(ids):
            raise ValueError(f"{directory}: bm25s index has {rows} rows but {len(ids)} ids")
        return cls(ids, retriever)


def top_k(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """Rows of the ``k`` highest positive scores (within ``allowed``), best first, ties by row."""
    hit = scores > 0
    if allowed is not None:
        hit &= allowed
    rows = np.flatnonzero(hit)
    if len(rows) > k:
        rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
    return rows[np.lexsort((rows, -scores[rows]))]


def _existing(directory: Path) -> Path:
    """``directory``, or the old copy a crash during ``save`` left beside it; else a clear error."""
    if directory.is_dir():
        return directory
    old = _old_path(directory)
    if old.is_dir():
        return old
    raise FileNotFoundError(f"no lexical index at {directory} (run ingest to build one)")


def _old_path(directory: Path) -> Path:
    return directory.with_name(f".{directory.name}.old")


def _swap_in(new: Path, directory: Path) -> None:
    """Replace ``directory`` with ``new``; the previous index survives as ``.<name>.old`` meanwhile."""
    old = _old_path(directory)
    if directory.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(directory, old)
    os.replace(new, directory)
    _fsync_dir(directory.parent)
    shutil.rmtree(old, ignore_errors=True)


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
