"""The reader as an ONNX Runtime graph with int8 weights: exported once from the committed reader weights,
quantised (ONNX Runtime dynamic quantisation, per channel, as the ``onnxruntime-int8`` query engine), cached beside
the converted model, then run without torch.

The file's name holds the digest of the weights file, so new weights make a new graph; it is written to a temp
file and renamed under an inter-process lock (``ingest.engines.onnx_export.made_once``), so the first process
makes it and the others wait and load it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ingest.engines.onnx_export import export_graph, made_once, quantize_int8

READER_ONNX_DIR = "reader-onnx"


def weights_digest(weights: Path) -> str:
    return hashlib.sha256(weights.read_bytes()).hexdigest()[:16]


def reader_onnx_file(model_dir: Path, digest: str, *, quantized: bool = True) -> Path:
    """Where the reader graph of the weights with ``digest`` (on the converted model in ``model_dir``) is kept."""
    kind = "int8" if quantized else "fp32"
    return Path(model_dir) / READER_ONNX_DIR / f"reader-{digest}-{kind}.onnx"


def export_reader(model, target: Path) -> None:
    """Export ``model`` (a ``ReaderModel``) in fp32 to ``target``: outputs the start and end scores per token."""
    axes = {name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "starts", "ends")}
    export_graph(model.float().eval(), target, outputs=["starts", "ends"], axes=axes)


def ensure_reader_onnx(model_dir: Path, weights: Path, load_torch_model, *, quantized: bool = True) -> Path:
    """The reader graph (int8 when ``quantized``), made on first use; ``load_torch_model()`` gives the fp32
    ``ReaderModel`` to export (called only when the fp32 graph is missing)."""
    digest = weights_digest(weights)
    fp32 = reader_onnx_file(model_dir, digest, quantized=False)
    fresh = not fp32.is_file()
    lock = Path(model_dir).parent / f".{Path(model_dir).name}.reader-onnx.lock"
    made_once(fp32, lock, f"Telusur: mengekspor pembaca jawaban ke ONNX di {fp32} (sekali saja)…",
              lambda: export_reader(load_torch_model(), fp32))
    target = reader_onnx_file(model_dir, digest, quantized=True) if quantized else fp32
    if quantized:
        made_once(target, lock, f"Telusur: kuantisasi int8 pembaca jawaban di {target} (sekali saja)…",
                  lambda: quantize_int8(fp32, target))
    if fresh:  # new weights: the graphs of earlier ones go (about 600 MB a pair)
        for old in fp32.parent.glob("reader-*.onnx"):
            if not old.name.startswith(f"reader-{digest}-"):
                old.unlink(missing_ok=True)
    return target


class OrtReaderModel:
    """The reader graph in ONNX Runtime: ``(input_ids, attention_mask) -> (starts, ends)`` as float32 arrays."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids, attention_mask) -> tuple[np.ndarray, np.ndarray]:
        starts, ends = self.session.run(None, {"input_ids": np.asarray(input_ids, dtype=np.int64),
                                               "attention_mask": np.asarray(attention_mask, dtype=np.int64)})
        return starts.astype(np.float32), ends.astype(np.float32)
