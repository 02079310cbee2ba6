"""The extractive reader: multilingual-e5-small read as "question + passage", start/end scores per token.

The reader is the converted multilingual-e5-small (``ingest.e5_convert``) with its top ``trained_layers``
transformer layers and a start/end head fine-tuned here on the development splits
(``python -m search_app.tools.train_reader``; weights in ``search_app/data/reader/``, bf16). Its lower layers and
word embeddings are the converted model's own, so the committed file holds only what training changed.

A window's first token (``<s>``) stands for "no answer here": a span's ``margin`` is its start + end score minus the
first token's, the SQuAD 2.0 rule; a positive margin means the reader prefers the span to no answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.settings import int_setting, setting

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from search_app.reader_model import ReaderModel

READER_DIR = Path(__file__).resolve().parent / "data" / "reader"
WEIGHTS = "reader.safetensors"
CONFIG = "reader.json"
MAX_ANSWER_TOKENS = 24
QUESTION_TOKENS = 48  # a question is cut to this many tokens
_TOKENIZER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Span:
    """The best answer span of one context: ``text == context[start:end]``; ``margin`` over no answer."""

    context: int
    start: int
    end: int
    text: str
    margin: float


READER_ENGINES = ("onnxruntime-int8", "onnxruntime", "torch")


class Reader:
    """Loads the committed reader weights on first use and reads question + contexts.

    ``engine``: ``onnxruntime-int8`` (the graph exported once from the weights, int8; ``search_app/reader_onnx.py``),
    ``onnxruntime`` (that graph in fp32) or ``torch`` (bf16); default: the ``reader_engine`` setting."""

    def __init__(self, directory: Path = READER_DIR, *, window_tokens: int = 192, threads: int | None = None,
                 engine: str | None = None):
        self.directory = directory
        self.window_tokens = window_tokens
        self.threads = threads or int_setting("threads")  # serve: one per request (search_app/serving.py)
        self.engine = engine or setting("reader_engine")
        if self.engine not in READER_ENGINES:
            raise ValueError(f"reader engine must be one of {', '.join(READER_ENGINES)}, not {self.engine!r}")
        self._loaded: tuple[Callable, object] | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return (self.directory / WEIGHTS).is_file()

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def warm_up(self) -> None:
        """Load (and on first use make) the reader now, so the first question does not wait for it."""
        if self.available:
            self._load()

    def _torch_model(self) -> ReaderModel:
        """The fp32 reader: the converted model with the committed tensors loaded over it."""
        import torch
        from safetensors.torch import load_file

        from search_app.reader_model import ReaderModel, base_model, trained_parameter_names

        config = json.loads((self.directory / CONFIG).read_text())
        encoder, _ = base_model()
        model = ReaderModel(encoder)
        state = {name: tensor.to(torch.float32) for name, tensor in load_file(str(self.directory / WEIGHTS)).items()}
        missing = set(trained_parameter_names(model, config["trained_layers"])) - set(state)
        if missing:
            raise RuntimeError(f"{self.directory / WEIGHTS}: missing {len(missing)} tensors")
        model.load_state_dict(state, strict=False)
        return model.eval()

    def _load(self) -> tuple[Callable, object]:
        from ingest.e5_convert import ensure_converted_model

        with self._lock:
            if self._loaded is None:
                folder = ensure_converted_model()
                if self.engine == "torch":
                    run = torch_runner(self._torch_model(), self.threads)
                else:
                    from search_app.reader_onnx import OrtReaderModel, ensure_reader_onnx

                    path = ensure_reader_onnx(folder, self.directory / WEIGHTS, self._torch_model,
                                              quantized=self.engine == "onnxruntime-int8")
                    run = OrtReaderModel(path, self.threads)
                self._loaded = (run, load_window_tokenizer(folder))
        return self._loaded

    def read(self, question: str, contexts: list[str]) -> list[Span]:
        """The best span of each context that has one (at most one per context), best margin first."""
        if not contexts:
            return []
        run, tokenizer = self._load()
        encoded = encode_windows(tokenizer, question, contexts, self.window_tokens)
        starts, ends = run(encoded.input_ids, encoded.attention_mask)
        spans = decode_spans(starts, ends, encoded, contexts)
        return sorted(spans, key=lambda s: -s.margin)


def torch_runner(model: ReaderModel, threads: int | None) -> Callable:
    """``(input_ids, attention_mask) -> (starts, ends)`` float32 arrays from the torch reader in bf16."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    model = model.to(torch.bfloat16)

    def run(input_ids, attention_mask) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            starts, ends = model(torch.tensor(input_ids), torch.tensor(attention_mask))
        return starts.float().numpy(), ends.float().numpy()

    return run


@dataclass(frozen=True)
class Windows:
    """Question + context windows as the reader takes them: ``input_ids`` / ``attention_mask`` (int64, padded to the
    longest window), and per window its context (``sample``), each token's sequence (0 question, 1 context, None
    special or padding) and character offsets in its own text."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    sample: list[int]
    sequence_ids: list[list[int | None]]
    offsets: list[list[tuple[int, int]]]


def load_window_tokenizer(folder: Path) -> Tokenizer:
    """The converted model's ``tokenizer.json`` through the ``tokenizers`` library (no transformers, no torch)."""
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))


def encode_windows(tokenizer: Tokenizer, question: str, contexts: list[str], window_tokens: int,
                   stride: int = 64) -> Windows:
    """Question + context windows: the question cut to ``QUESTION_TOKENS``, each context cut into windows of
    ``window_tokens`` that overlap by ``stride`` tokens (``only_second`` truncation, as the reader was trained with
    transformers' tokenizer over the same ``tokenizer.json``)."""
    with _TOKENIZER_LOCK:  # the settings below belong to the shared tokenizer: one request at a time
        tokenizer.no_truncation()
        tokenizer.no_padding()
        question = tokenizer.decode(tokenizer.encode(question, add_special_tokens=False).ids[:QUESTION_TOKENS])
        tokenizer.enable_truncation(window_tokens, stride=stride, strategy="only_second")
        encodings = tokenizer.encode_batch([(question, context) for context in contexts])
    windows, sample = [], []
    for index, encoding in enumerate(encodings):
        for window in [encoding, *encoding.overflowing]:
            windows.append(window)
            sample.append(index)
    width = max(len(w.ids) for w in windows)
    pad = tokenizer.token_to_id("<pad>") or 0
    ids = np.full((len(windows), width), pad, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for row, window in enumerate(windows):
        ids[row, :len(window.ids)] = window.ids
        mask[row, :len(window.ids)] = window.attention_mask
    return Windows(ids, mask, sample, [list(w.sequence_ids) + [None] * (width - len(w.ids)) for w in windows],
                   [list(w.offsets) + [(0, 0)] * (width - len(w.ids)) for w in windows])


def decode_spans(starts: np.ndarray, ends: np.ndarray, encoded: Windows, contexts: list[str]) -> list[Span]:
    """Best span per context over its windows: start <= end < start + MAX_ANSWER_TOKENS, context tokens only."""
    best: dict[int, Span] = {}
    for window, context_index in enumerate(encoded.sample):
        sequence_ids = encoded.sequence_ids[window]
        in_context = np.array([sid == 1 for sid in sequence_ids])
        if not in_context.any():
            continue
        start_scores = np.where(in_context, starts[window], -np.inf)
        end_scores = np.where(in_context, ends[window], -np.inf)
        pair = start_scores[:, None] + end_scores[None, :]
        length = np.arange(len(in_context))
        allowed = (length[None, :] >= length[:, None]) & (length[None, :] < length[:, None] + MAX_ANSWER_TOKENS)
        pair = np.where(allowed, pair, -np.inf)
        i, j = np.unravel_index(int(np.argmax(pair)), pair.shape)
        margin = float(pair[i, j] - (starts[window][0] + ends[window][0]))
        offsets = encoded.offsets[window]
        context = contexts[context_index]
        start, end = offsets[i][0], offsets[j][1]
        while start < end and context[start].isspace():  # a token's offsets may hold the space before it
            start += 1
        while end > start and context[end - 1].isspace():
            end -= 1
        text = context[start:end]
        if text.strip() and (context_index not in best or margin > best[context_index].margin):
            best[context_index] = Span(context_index, start, end, text, margin)
    return list(best.values())
