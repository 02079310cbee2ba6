"""The ONNX Runtime engine: the converted model's ONNX graph (fp32, or int8 weights) on the CPU.

Texts are tokenised as sentence-transformers does (``ingest.engines.graph``), run through the graph (mean
pooling included) and L2-normalised. It does not import torch (except to export the graph once), so a server
encoding queries with it stays smaller.
"""

from __future__ import annotations

from pathlib import Path

from ingest.engines.graph import GraphEncoder, Runner


class OrtEncoder(GraphEncoder):
    """The built-in model through ONNX Runtime; ``threads``: intra-op threads (None: ONNX Runtime's choice)."""

    def _open(self, folder: Path) -> Runner:
        import onnxruntime

        from ingest.engines.onnx_export import ensure_onnx

        path = ensure_onnx(folder, quantized=self.quantized)
        options = onnxruntime.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = int(self.threads)
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return lambda inputs: session.run(None, inputs)[0]
