"""What the engines that run the exported graph share (ONNX Runtime, OpenVINO): loading on first use, the
tokenizer of the converted model folder as sentence-transformers uses it, and normalising the pooled rows.

Texts are tokenised with the folder's own ``tokenizer.json``, truncated to the same 512 tokens, padded to the
longest text of the batch; ``feed`` gives the int64 ``input_ids`` / ``attention_mask`` arrays the exported
graph (``ingest.engines.onnx_export``) takes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.encoder import MAX_SEQ_LENGTH, normalise

if TYPE_CHECKING:
    from tokenizers import Tokenizer


def load_tokenizer(folder: Path) -> Tokenizer:
    """The folder's tokenizer, truncating at ``MAX_SEQ_LENGTH`` and padding with the model's pad token."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_SEQ_LENGTH)
    pad = _pad_token(Path(folder))
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad), pad_token=pad)
    return tokenizer


def feed(tokenizer: Tokenizer, texts: list[str]) -> dict[str, np.ndarray]:
    """The graph's inputs for ``texts`` (already prefixed; stripped, as sentence-transformers does)."""
    encoded = tokenizer.encode_batch([text.strip() for text in texts])
    return {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64)}


def hidden_size(folder: Path) -> int:
    """The embedding dimension recorded in the folder's ``config.json``."""
    return int(json.loads((Path(folder) / "config.json").read_text())["hidden_size"])


def _pad_token(folder: Path) -> str:
    config = json.loads((folder / "tokenizer_config.json").read_text())
    return str(config.get("pad_token") or "<pad>")


Runner = Callable[[dict[str, np.ndarray]], np.ndarray]  # graph inputs -> unnormalised pooled rows


class GraphEncoder:
    """An engine's encoder over the exported graph; subclasses say how to open it (``_open``). ``threads``:
    the runtime's intra-op threads (None: its own choice). Nothing loads until the first use."""

    def __init__(self, *, threads: int | None = None, quantized: bool = False) -> None:
        self.threads = threads
        self.quantized = quantized
        self._run: Runner | None = None
        self._tokenizer: Tokenizer | None = None
        self._dim = 0
        self._load_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._run is not None

    @property
    def dim(self) -> int:
        self._ensure_loaded()
        return self._dim

    def _ensure_loaded(self) -> Runner:
        if self._run is None:
            with self._load_lock:  # server threads may race for the first query
                if self._run is None:
                    from ingest.e5_convert import ensure_converted_model

                    folder = ensure_converted_model()
                    self._dim = hidden_size(folder)
                    self._tokenizer = load_tokenizer(folder)
                    self._run = self._open(folder)
        return self._run

    def _open(self, folder: Path) -> Runner:
        raise NotImplementedError

    def embed(self, texts: list[str]) -> np.ndarray:
        """One forward pass over ``texts`` (already prefixed): float32, L2-normalised rows."""
        run = self._ensure_loaded()
        return normalise(run(feed(self._tokenizer, texts)))
