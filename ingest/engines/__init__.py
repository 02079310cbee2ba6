"""Encoder engines: the same model run by different runtimes behind one interface.

An engine's encoder offers what ``ingest.encoder.TorchEncoder`` offers: ``embed(prefixed_texts)`` -> float32
L2-normalised rows, ``dim`` and ``loaded``. ``torch`` is PyTorch (bf16 or fp32, ``precision``);
``onnxruntime`` is ONNX Runtime fp32, whose vectors equal torch fp32's (cosine 1.0000, docs/bench.md), so it
shares torch's embedding cache and may add passages to a torch index; ``onnxruntime-int8`` is ONNX Runtime with
dynamically quantised int8 weights: other vectors, its own cache key and index. ``openvino`` runs that fp32 graph
in OpenVINO (bf16 on CPUs with native bf16, as torch does: cosine to fp32 0.99999, so it shares torch's cache
key and index); ``openvino-int8`` runs it after NNCF's post-training int8 quantisation: other vectors, its own
cache key and index. The files are made once from the converted model folder and cached beside it
(``ingest.engines.onnx_export``, ``ingest.engines.openvino_convert``).

An engine whose package is missing, or that cannot run the chosen model, falls back to torch with one line.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ingest.encoder import TorchEncoder, is_default_model


class Encoder(Protocol):
    """What every engine's encoder offers."""

    @property
    def loaded(self) -> bool: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class EngineSpec:
    name: str
    packages: tuple[str, ...]  # import names it needs; a missing one means: fall back to torch
    install: str  # what to install for it
    vectors: str  # "" = the vectors of torch fp32 (same cache key, may share an index); else its own tag
    default_model_only: bool  # runs only the built-in multilingual-e5-small (exported from its folder)


ENGINES: dict[str, EngineSpec] = {spec.name: spec for spec in (
    EngineSpec("torch", ("torch",), "torch", "", False),
    EngineSpec("onnxruntime", ("onnxruntime",), "pip install onnxruntime", "", True),
    EngineSpec("onnxruntime-int8", ("onnxruntime", "onnx"), "pip install onnxruntime onnx",
               "ort-int8", True),
    EngineSpec("openvino", ("openvino",), "pip install 'telusur[openvino]'", "", True),
    EngineSpec("openvino-int8", ("openvino", "nncf"), "pip install 'telusur[openvino]' (openvino, nncf)",
               "ov-int8", True),
)}
FALLBACK = "torch"
_warned: set[str] = set()


def check_engine(name: str) -> str:
    """``name`` when it is a known engine, else ``ValueError`` naming the choices."""
    if name not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {name!r}")
    return name


def missing_package(name: str) -> str | None:
    """The first package engine ``name`` needs that is not installed (or blocked in ``sys.modules``), else
    None. Nothing is imported: finding torch costs microseconds, importing it seconds."""
    for package in ENGINES[name].packages:
        if package in sys.modules and sys.modules[package] is None or importlib.util.find_spec(package) is None:
            return package
    return None


def _fall_back(name: str, why: str) -> str:
    if name not in _warned:
        _warned.add(name)
        print(f"Telusur: engine {name!r} {why}; using {FALLBACK!r}", file=sys.stderr, flush=True)
    return FALLBACK


def resolve_engine(name: str, model_id: str) -> str:
    """The engine that will run: ``name``, or torch (with one line on stderr) when ``name`` cannot run here."""
    spec = ENGINES[check_engine(name)]
    if spec.default_model_only and not is_default_model(model_id):
        return _fall_back(name, f"runs only the built-in model, not {model_id!r}")
    package = missing_package(name)
    if package is not None:
        return _fall_back(name, f"needs the {package!r} package ({spec.install})")
    return name


def vectors_tag(name: str) -> str:
    """"" when engine ``name`` gives torch fp32's vectors, else the tag that keeps its vectors apart."""
    return ENGINES[check_engine(name)].vectors


def index_engine(index) -> str | None:
    """The passage engine of an ``ingest.store.Index``: the one it recorded, torch for an index built before
    engines were recorded, None for an empty one."""
    return index.get_meta("engine") or ("torch" if index.get_meta("model") else None)


def make_encoder(name: str, model_id: str, precision: str, threads: int | None = None) -> Encoder:
    """The encoder of an already resolved engine (nothing loads until its first use)."""
    if name == "torch":
        return TorchEncoder(model_id, precision, threads)
    if name.startswith("openvino"):
        from ingest.engines.openvino_engine import OvEncoder

        return OvEncoder(threads=threads, quantized=name == "openvino-int8")
    from ingest.engines.onnxruntime_engine import OrtEncoder

    return OrtEncoder(threads=threads, quantized=name == "onnxruntime-int8")


def prepare_files(name: str) -> None:
    """Convert (and export) the built-in model for engine ``name`` now, so worker processes only load it."""
    from ingest.e5_convert import ensure_converted_model

    folder = ensure_converted_model()
    if name.startswith("openvino"):
        from ingest.engines.openvino_convert import ensure_openvino

        ensure_openvino(folder, quantized=name == "openvino-int8")
    elif name != "torch":
        from ingest.engines.onnx_export import ensure_onnx

        ensure_onnx(folder, quantized=name == "onnxruntime-int8")
