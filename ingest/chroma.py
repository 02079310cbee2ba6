"""The passage vectors in a Chroma collection: one vector per passage id, with the metadata filters use.

``ingest.store.Index`` holds one ``ChromaVectors`` beside its SQLite ledger; a memory-mapped vector table
(``ingest/vectable.py``) may be attached to answer reads without a round trip to Chroma.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.settings import int_setting


class ChromaVectors:
    """The passage vectors in a Chroma collection (local persistent store or a Chroma server)."""

    def __init__(self, directory: Path, *, host: str = "", port: int = 8000, name: str = "telusur_passages"):
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        if host:
            self.client = chromadb.HttpClient(host=host, port=port, settings=settings)
        else:
            self.client = chromadb.PersistentClient(path=str(directory / "chroma"), settings=settings)
        self.collection = self.client.get_or_create_collection(
            name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
        self.max_batch = int(self.client.get_max_batch_size())
        self.local = None  # a VectorTable (ingest/vectable.py) answering get_vectors without a round trip
        self.exact_rows = int_setting("exact_dense") or 0  # and nearest, exactly, up to this many passages

    def attach_local(self, table) -> None:
        """Answer ``get_vectors`` from ``table`` (memory-mapped) where it holds the ids; None detaches."""
        self.local = table

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict]) -> None:
        for start in range(0, len(ids), self.max_batch):
            end = start + self.max_batch
            self.collection.upsert(ids=list(ids[start:end]), embeddings=vectors[start:end],
                                   metadatas=list(metadatas[start:end]))

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        for start in range(0, len(ids), self.max_batch):
            end = start + self.max_batch
            self.collection.update(ids=list(ids[start:end]), metadatas=list(metadatas[start:end]))

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=list(ids[start:start + self.max_batch]))

    def query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """Nearest passages as (id, cosine similarity), best first.

        No ``count()`` first: Chroma 1.x returns what it has when ``n`` exceeds it (and nothing when empty),
        and counting costs ~9 ms per query at 100k passages."""
        result = self.collection.query(query_embeddings=[vector], n_results=max(1, n), where=where,
                                       include=["distances"])
        return [(pid, 1.0 - float(dist)) for pid, dist in zip(result["ids"][0], result["distances"][0])]

    def nearest(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Nearest passages as (id, cosine), best first, ties by id: exact over the attached vector table when it
        holds at most ``exact_dense`` rows, so that the result depends only on what the index holds; else Chroma's
        HNSW graph (approximate: which passages make the margin of a long list can depend on the order of past
        writes and deletions, as the graph does; docs/reliability.md)."""
        table = self.local
        if table is not None and len(table) <= self.exact_rows:
            return table.nearest(vector, n)
        return sorted(self.query(vector, n), key=lambda hit: (-hit[1], hit[0]))

    def get_vectors(self, ids: Sequence[str], *, local: bool = True, partial: bool = False) -> dict[str, np.ndarray]:
        """Vectors by id: from the attached local table where it has them (unless ``local=False``), else Chroma.

        ``partial`` (readers): ids Chroma cannot read now are left out instead of failing. A local Chroma store
        written by another process (an ingest) can answer "Error finding id" for passages it is adding."""
        from chromadb.errors import ChromaError

        found = self.local.get(ids) if local and self.local is not None else {}
        missing = [pid for pid in ids if pid not in found]
        for start in range(0, len(missing), self.max_batch):
            try:
                got = self.collection.get(ids=missing[start:start + self.max_batch], include=["embeddings"])
            except ChromaError:
                if not partial:
                    raise
                continue
            found.update((pid, np.asarray(vec, dtype=np.float32)) for pid, vec in zip(got["ids"], got["embeddings"]))
        return found

    def count(self) -> int:
        return self.collection.count()
