"""The OpenVINO engine: the converted model in OpenVINO's format (fp32 weights, or int8 from NNCF) on the CPU.

Computed in bf16 where the CPU has native bf16 (``ingest.encoder.cpu_has_bf16``: AVX512-BF16 or AMX), else
fp32; tokenised as sentence-transformers does (``ingest.engines.graph``). Each thread has its own inference
request, so server threads may encode queries at once.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ingest.encoder import cpu_has_bf16
from ingest.engines.graph import GraphEncoder, Runner


class OvEncoder(GraphEncoder):
    """The built-in model through OpenVINO; ``threads``: inference threads (None: OpenVINO's choice)."""

    def _open(self, folder: Path) -> Runner:
        import openvino

        from ingest.engines.openvino_convert import ensure_openvino

        config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "bf16" if cpu_has_bf16() else "f32"}
        if self.threads:
            config["INFERENCE_NUM_THREADS"] = int(self.threads)
        compiled = openvino.Core().compile_model(str(ensure_openvino(folder, quantized=self.quantized)), "CPU",
                                                 config)
        output = compiled.output(0)
        local = threading.local()

        def run(inputs):
            if not hasattr(local, "request"):
                local.request = compiled.create_infer_request()
            return local.request.infer(inputs)[output]

        return run
