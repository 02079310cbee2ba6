"""The ONNX files of the converted model, made once on first use and cached beside it (no hub access).

``model.onnx`` is the fp32 graph exported from the converted folder with PyTorch (mean pooling included, so
it outputs one unnormalised vector per text); ``model-int8.onnx`` is that graph with int8 weights from ONNX
Runtime's dynamic quantisation (per channel; no calibration data needed). Both are written to a temp file and
renamed, under an inter-process lock, so a second call (or process) finds them and does nothing.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from ingest.e5_convert import file_lock

ONNX_DIR = "onnx"
OPSET = 17


def onnx_file(model_dir: Path, *, quantized: bool) -> Path:
    """Where the fp32 (or int8) ONNX graph of ``model_dir`` is kept."""
    return Path(model_dir) / ONNX_DIR / ("model-int8.onnx" if quantized else "model.onnx")


def temp_beside(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
    os.close(fd)
    return Path(name)


def publish_file(tmp: Path, target: Path) -> None:
    tmp.chmod(0o644)
    os.replace(tmp, target)


def export_fp32(model_dir: Path, target: Path) -> None:
    """Export the transformer and its mean pooling of ``model_dir`` to ``target`` (fp32, dynamic batch/length)."""
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)

    from ingest.encoder import quiet_weight_loading

    with quiet_weight_loading():
        model = Pooled(AutoModel.from_pretrained(str(model_dir), dtype=torch.float32)).eval()
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "embedding": {0: "batch"}}
    export_graph(model, target, outputs=["embedding"], axes=axes)


def export_graph(model, target: Path, *, outputs: list[str], axes: dict) -> None:
    """Export a torch module taking ``(input_ids, attention_mask)`` to ``target`` (legacy exporter, ``OPSET``),
    through a temp file renamed into place."""
    import torch

    sample = torch.ones(2, 16, dtype=torch.long)
    tmp = temp_beside(target)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (sample, sample), str(tmp), dynamo=False, opset_version=OPSET,
                              input_names=["input_ids", "attention_mask"], output_names=outputs,
                              dynamic_axes=axes)
        publish_file(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def quantize_int8(source: Path, target: Path) -> None:
    """``source`` with int8 weights (ONNX Runtime dynamic quantisation, per channel) written to ``target``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = temp_beside(target)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process the graph first: measured here, not needed
    try:
        quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        publish_file(tmp, target)
    finally:
        root.setLevel(level)
        tmp.unlink(missing_ok=True)


def made_once(target: Path, lock: Path, line: str, make: Callable[[], None]) -> Path:
    """``target``, made by ``make()`` (announced by ``line`` on stderr) unless it exists; under the inter-process
    ``lock``, so a second process waits and then finds it."""
    if target.is_file():
        return target
    with file_lock(lock):
        if not target.is_file():
            print(line, file=sys.stderr, flush=True)
            make()
    return target


def ensure_onnx(model_dir: Path, *, quantized: bool = False) -> Path:
    """The ONNX graph of ``model_dir`` (fp32, or int8 when ``quantized``), made on first use."""
    target = onnx_file(model_dir, quantized=quantized)
    if target.is_file():
        return target
    source = ensure_onnx(model_dir) if quantized else None  # before the lock: it takes the same lock
    what = "int8 (kuantisasi dinamis)" if quantized else "fp32"
    return made_once(target, Path(model_dir).parent / f".{Path(model_dir).name}.onnx.lock",
                     f"Telusur: mengekspor model ke ONNX {what} di {target} (sekali saja, ±1 menit)…",
                     lambda: quantize_int8(source, target) if source else export_fp32(Path(model_dir), target))
