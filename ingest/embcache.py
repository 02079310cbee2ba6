"""A persistent cache of passage embeddings keyed by (model, exact text embedded).

Each index keeps its own (``embeddings.sqlite`` in the index directory) unless the ``embed_cache`` setting
(``TELUSUR_EMBED_CACHE``) names one file shared by several indexes; the benchmark and the evaluation harness
share ``SHARED_CACHE``, so rebuilding their indexes never recomputes an embedding.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

SHARED_CACHE = Path.home() / ".cache" / "telusur" / "embeddings.sqlite"


def cache_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x1f{text}".encode()).hexdigest()[:32]


def cache_path(index_dir: Path, override: str | Path | None = None) -> Path:
    """The cache file: ``override``, else the ``embed_cache`` setting, else ``embeddings.sqlite`` in the index."""
    from ingest.settings import setting

    value = setting("embed_cache", str(override) if override else None)
    return Path(value).expanduser() if value else Path(index_dir) / "embeddings.sqlite"


class EmbeddingCache:
    """Embeddings already computed, so re-ingest and benchmarks never recompute them."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for key, blob in self.db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    def put_many(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items])


def embed_with_cache(texts: Sequence[str], *, model: str, cache: EmbeddingCache | None,
                     encode: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` (cached ones looked up, the rest encoded and stored); returns (vectors, n encoded)."""
    keys = [cache_key(model, t) for t in texts]
    known = cache.get_many(keys) if cache is not None else {}
    missing = sorted({i for i, k in enumerate(keys) if k not in known})
    if missing:
        fresh = encode([texts[i] for i in missing])
        for i, vec in zip(missing, fresh):
            known[keys[i]] = vec
        if cache is not None:
            cache.put_many([(keys[i], known[keys[i]]) for i in missing])
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([known[k] for k in keys]).astype(np.float32), len(missing)
