"""The OpenVINO files of the converted model, made once on first use and cached beside it (no hub access).

``openvino/model.xml`` (+ ``.bin``) is the fp32 ONNX graph of ``ingest.engines.onnx_export`` in OpenVINO's own
format (``openvino.convert_model``). ``openvino/model-int8.xml`` is that model after NNCF's post-training
quantisation for transformers (int8 weights and activations in the matrix products, SmoothQuant, fast bias
correction), calibrated on the demo corpus's passages (``corpus/``, written for this project) and the questions
below; what stays outside the matrix products runs in bf16 on CPUs with native bf16. Each pair is written to a
temp folder and renamed (``.bin`` first, so a ``.xml`` is always whole), under an inter-process lock, so a
second call (or process) finds it and does nothing.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import tempfile
from pathlib import Path

OPENVINO_DIR = "openvino"
CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CHUNK_WORDS = 150  # calibration passages about as long as the splitter's
# Written for the calibration: queries are short, so their activations are calibrated too.
QUESTIONS = (
    "berapa inovasi yang dilahirkan Lampung Barat hingga 2024", "harga cabai naik menjelang lebaran",
    "banjir di Padang", "siapa yang meluncurkan aplikasi layanan kependudukan", "kapan festival kopi digelar",
    "anggaran APBD 2025 disahkan DPRD", "desa yang melayani surat secara daring", "beasiswa untuk mahasiswa",
    "kapal puskesmas keliling di kepulauan", "harga jagung turun di Gorontalo", "turnamen voli antarbanjar",
    "retribusi pasar nontunai", "kunjungan wisata ke kawah Ijen", "panen cabai di lahan pasir",
    "bimbingan teknis perizinan berbasis risiko", "lomba perahu di Ambon", "benih padi untuk petani",
    "provinsi sangat inovatif Innovative Government Award", "jemput bola perekaman KTP elektronik",
    "pedagang pasar setelah banjir", "which regency won the innovation award", "flood victims in Padang",
    "inovasi pelayanan publik kabupaten", "jumlah desa yang sudah memakai layanan daring",
    "dana bantuan untuk nelayan", "program ketahanan pangan daerah", "pelatihan aparatur desa",
    "penghargaan kabupaten terinovatif", "wisata budaya dan festival daerah", "harga kebutuhan pokok di pasar",
)


def openvino_file(model_dir: Path, *, quantized: bool) -> Path:
    """Where the OpenVINO model (fp32, or int8) of ``model_dir`` is kept (its weights: the same name, ``.bin``)."""
    return Path(model_dir) / OPENVINO_DIR / ("model-int8.xml" if quantized else "model.xml")


def calibration_texts(corpus: Path = CORPUS) -> list[str]:
    """Prefixed calibration texts: the demo corpus's articles in chunks of ``CHUNK_WORDS`` words, and
    ``QUESTIONS``."""
    bodies = [f"{r['title']}\n{r['text']}" for r in map(json.loads, (corpus / "artikel.jsonl").open(encoding="utf-8"))]
    bodies += [path.read_text(encoding="utf-8") for path in sorted((corpus / "teks").glob("*.txt"))]
    passages = []
    for body in bodies:
        words = body.split()
        passages += [" ".join(words[i:i + CHUNK_WORDS]) for i in range(0, len(words), CHUNK_WORDS)]
    return [f"passage: {p}" for p in passages] + [f"query: {q}" for q in QUESTIONS]


def convert_fp32(onnx_path: Path, target: Path) -> None:
    """``onnx_path`` converted to OpenVINO's format at ``target``."""
    import openvino

    _save(openvino.convert_model(str(onnx_path)), target)


def quantize_int8(model_dir: Path, source: Path, target: Path) -> None:
    """The OpenVINO model ``source`` quantised to int8 by NNCF, calibrated on ``calibration_texts()``."""
    import nncf
    import openvino

    from ingest.engines.graph import feed, load_tokenizer

    if not (CORPUS / "artikel.jsonl").is_file():
        raise RuntimeError(f"the calibration texts of the int8 model are missing: {CORPUS}/artikel.jsonl")
    tokenizer = load_tokenizer(model_dir)
    texts = calibration_texts()
    nncf.set_log_level(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()):  # its progress bars (rich writes to sys.stdout)
        model = nncf.quantize(openvino.Core().read_model(str(source)),
                              nncf.Dataset([feed(tokenizer, [text]) for text in texts]),
                              model_type=nncf.ModelType.TRANSFORMER, subset_size=len(texts))
    _save(model, target)


def _save(model, target: Path) -> None:
    import openvino

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.stem}.tmp-", dir=target.parent))
    try:
        openvino.save_model(model, str(tmp / target.name), compress_to_fp16=False)
        for suffix in (".bin", ".xml"):
            (tmp / target.name).with_suffix(suffix).chmod(0o644)
            (tmp / target.name).with_suffix(suffix).replace(target.with_suffix(suffix))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def ensure_openvino(model_dir: Path, *, quantized: bool = False) -> Path:
    """The OpenVINO model of ``model_dir`` (fp32, or int8 when ``quantized``), made on first use."""
    from ingest.engines.onnx_export import ensure_onnx, made_once

    target = openvino_file(model_dir, quantized=quantized)
    if target.is_file():
        return target
    source = ensure_openvino(model_dir) if quantized else ensure_onnx(model_dir)  # they take their own locks
    what = "int8 (kuantisasi NNCF dengan teks kalibrasi)" if quantized else "fp32"

    def make() -> None:
        if quantized:
            quantize_int8(Path(model_dir), source, target)
        else:
            convert_fp32(source, target)

    return made_once(target, Path(model_dir).parent / f".{Path(model_dir).name}.openvino.lock",
                     f"Telusur: mengonversi model ke OpenVINO {what} di {target} (sekali saja, ±1 menit)…", make)
