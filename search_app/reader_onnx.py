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

from ingest.engines.onnx_export import OPSET, made_once, publish_file, quantize_int8, temp_beside

READER_ONNX_DIR = "reader-onnx"


def weights_digest(weights: Path) -> str:
    return hashlib.sha256(weights.read_bytes()).hexdigest()[:16]


def reader_onnx_file(model_dir: Path, weights: Path, *, quantized: bool = True) -> Path:
    """Where the reader graph of ``weights`` (on the converted model in ``model_dir``) is kept."""
    kind = "int8" if quantized else "fp32"
    return Path(model_dir) / READER_ONNX_DIR / f"reader-{weights_digest(weights)}-{kind}.onnx"


def export_reader(model, target: Path) -> None:
    """Export ``model`` (a ``ReaderModel`` in fp32) to ``target``: inputs ``input_ids`` and ``attention_mask``
    (int64, dynamic batch and length), outputs the start and end scores per token."""
    import warnings

    import torch

    sample = torch.ones(2, 16, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "starts", "ends")}
    tmp = temp_beside(target)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(model.float().eval(), (sample, sample), str(tmp), dynamo=False, opset_version=OPSET,
                              input_names=["input_ids", "attention_mask"], output_names=["starts", "ends"],
                              dynamic_axes=axes)
        publish_file(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def ensure_reader_onnx(model_dir: Path, weights: Path, load_torch_model, *, quantized: bool = True) -> Path:
    """The reader graph (int8 when ``quantized``), made on first use; ``load_torch_model()`` gives the fp32
    ``ReaderModel`` to export (called only when the fp32 graph is missing)."""
    fp32 = reader_onnx_file(model_dir, weights, quantized=False)
    fresh = not fp32.is_file()
    lock = Path(model_dir).parent / f".{Path(model_dir).name}.reader-onnx.lock"
    made_once(fp32, lock, f"Telusur: mengekspor pembaca jawaban ke ONNX di {fp32} (sekali saja)…",
              lambda: export_reader(load_torch_model(), fp32))
    if quantized:
        target = reader_onnx_file(model_dir, weights, quantized=True)
        made_once(target, lock, f"Telusur: kuantisasi int8 pembaca jawaban di {target} (sekali saja)…",
                  lambda: quantize_int8(fp32, target))
    else:
        target = fp32
    if fresh:  # new weights: the graphs of earlier ones go (about 600 MB a pair)
        for old in fp32.parent.glob("reader-*.onnx"):
            if old.name.split("-")[1] != fp32.name.split("-")[1]:
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
