"""The ONNX Runtime engine: the converted model's ONNX graph (fp32, or int8 weights) on the CPU.

Texts are tokenised with the model folder's own ``tokenizer.json`` (the tokenizer sentence-transformers uses,
truncated to the same 512 tokens), run through the graph (mean pooling included) and L2-normalised. It does not
import torch (except to export the graph once), so a server encoding queries with it stays smaller.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.encoder import MAX_SEQ_LENGTH, normalise

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer


class OrtEncoder:
    """The built-in model through ONNX Runtime; ``threads``: intra-op threads (None: ONNX Runtime's choice)."""

    def __init__(self, *, threads: int | None = None, quantized: bool = False) -> None:
        self.threads = threads
        self.quantized = quantized
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._dim = 0
        self._load_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._session is not None

    @property
    def dim(self) -> int:
        self._ensure_loaded()
        return self._dim

    def _ensure_loaded(self) -> onnxruntime.InferenceSession:
        if self._session is None:
            with self._load_lock:  # server threads may race for the first query
                if self._session is None:
                    self._load()
        return self._session

    def _load(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        from ingest.e5_convert import ensure_converted_model
        from ingest.engines.onnx_export import ensure_onnx

        folder = ensure_converted_model()
        path = ensure_onnx(folder, quantized=self.quantized)
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        pad = _pad_token(folder)
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad), pad_token=pad)
        options = onnxruntime.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = int(self.threads)
        options.inter_op_num_threads = 1
        self._dim = int(json.loads((folder / "config.json").read_text())["hidden_size"])
        self._tokenizer = tokenizer
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str]) -> np.ndarray:
        """One forward pass over ``texts`` (already prefixed): float32, L2-normalised rows."""
        session = self._ensure_loaded()
        encoded = self._tokenizer.encode_batch([text.strip() for text in texts])  # as sentence-transformers
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        rows = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return normalise(rows)


def _pad_token(folder: Path) -> str:
    config = json.loads((folder / "tokenizer_config.json").read_text())
    return str(config.get("pad_token") or "<pad>")
