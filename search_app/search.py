"""Answering a question: dense (Chroma) and BM25 candidates, fused, filtered, diversified, highlighted."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ingest.analyzer import analyze
from ingest.embed import Embedder
from ingest.lexical import LexicalIndex
from ingest.store import Index
from search_app import fuse
from search_app.highlight import answer_sentence, mark_html, query_terms
from search_app.query import ParsedQuery, parse_query

MODES = ("hybrid", "dense", "bm25")
DENSE_DEPTH = 100
LEXICAL_DEPTH = 100
DEEP = 1000  # candidate depth when filters or phrase constraints must be satisfied
PER_ARTICLE = 2


@dataclass
class Filters:
    """Restrictions on which articles may answer (combined with AND; values within a facet with OR)."""

    date_from: str | None = None  # YYYY-MM-DD
    date_to: str | None = None
    sources: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.sources or self.categories)

    def allows(self, row) -> bool:
        day = row["day"]
        if self.date_from and (day is None or day < int(self.date_from.replace("-", ""))):
            return False
        if self.date_to and (day is None or day > int(self.date_to.replace("-", ""))):
            return False
        if self.sources and row["source"] not in self.sources:
            return False
        return not (self.categories and row["category"] not in self.categories)


@dataclass
class Result:
    rank: int
    score: float
    article_id: str
    passage_id: str
    title: str
    date: str | None
    source: str
    url: str
    category: str
    passage: str
    passage_html: str
    answer: str | None
    position: int
    more_from_article: int = 0


@dataclass
class SearchResponse:
    query: str
    mode: str
    k: int
    page: int
    total: int
    results: list[Result]

    def to_json(self) -> dict:
        return {"query": self.query, "mode": self.mode, "k": self.k, "page": self.page, "total": self.total,
                "results": [asdict(r) for r in self.results]}


class Searcher:
    """Ranked excerpts for a question over one index. Thread-safe for a multi-threaded server."""

    def __init__(self, index: Index, embedder: Embedder, *, dense_weight: float = 0.6):
        self.index = index
        self.embedder = embedder
        self.dense_weight = dense_weight
        self._lexical: LexicalIndex | None = None
        self._lexical_stamp: float | None = None
        self._lock = threading.Lock()

    # -- retrievers -----------------------------------------------------------------------------
    def lexical(self) -> LexicalIndex | None:
        """The BM25 index, reloaded when ingest has rebuilt it."""
        path = self.index.lexical_dir
        stamp = path.stat().st_mtime if path.exists() else None
        if stamp != self._lexical_stamp:
            with self._lock:
                self._lexical = LexicalIndex.load(path) if stamp is not None else None
                self._lexical_stamp = stamp
        return self._lexical

    def dense_candidates(self, text: str, depth: int) -> tuple[dict[str, float], np.ndarray]:
        vector = self.embedder.encode_queries([text])[0]
        return dict(self.index.vectors.query(vector, depth)), vector

    def lexical_candidates(self, text: str, depth: int) -> dict[str, float]:
        lexical = self.lexical()
        tokens = analyze(text)
        if lexical is None or not tokens:
            return {}
        return dict(lexical.search(tokens, depth))

    def candidates(self, parsed: ParsedQuery, mode: str, depth: int) -> list[tuple[str, float]]:
        """Scored passage ids, best first, from the retrievers of ``mode``."""
        text = parsed.text or " ".join(parsed.phrases)
        if mode == "bm25":
            return _ranked(self.lexical_candidates(text, depth))
        dense, vector = self.dense_candidates(text, depth)
        if mode == "dense":
            return _ranked(dense)
        lexical = self.lexical_candidates(text, depth)
        return self._fuse(dense, lexical, vector)

    def _fuse(self, dense: dict[str, float], lexical: dict[str, float], vector: np.ndarray
              ) -> list[tuple[str, float]]:
        ids = list(dict.fromkeys([*dense, *lexical]))
        if not ids:
            return []
        missing = [i for i in ids if i not in dense]
        if missing:  # score BM25-only candidates densely too, from their stored vectors
            stored = self.index.vectors.get_vectors(missing)
            dense.update({pid: float(vec @ vector) for pid, vec in stored.items()})
        floor_dense = min(dense.values()) if dense else 0.0
        d = np.array([dense.get(i, floor_dense) for i in ids])
        lex = np.array([lexical.get(i, 0.0) for i in ids])
        scores = fuse.convex(d, lex, dense_weight=self.dense_weight)
        return _ranked(dict(zip(ids, scores.tolist())))

    # -- the whole answer ---------------------------------------------------------------------------
    def search(self, query: str, *, k: int = 10, page: int = 1, mode: str = "hybrid",
               filters: Filters | None = None, per_article: int = PER_ARTICLE, highlight: bool = True
               ) -> SearchResponse:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        parsed = parse_query(query)
        filters = filters or Filters()
        constrained = filters.active() or parsed.phrases or parsed.excluded
        depth = DEEP if constrained else max(DENSE_DEPTH, k * page * 3)
        ranked = self.candidates(parsed, mode, depth) if (parsed.text or parsed.phrases) else []
        rows = self.index.passages([pid for pid, _ in ranked])
        kept = [(pid, s) for pid, s in ranked if pid in rows and filters.allows(rows[pid])
                and parsed.allows(rows[pid]["title"] + "\n" + rows[pid]["text"])]
        shown, extra = diversify(kept, [rows[pid]["article_id"] for pid, _ in kept], per_article)
        page_ids = shown[(page - 1) * k: page * k]
        terms = query_terms(parsed.text + " " + " ".join(parsed.phrases))
        results = [self._result((page - 1) * k + n + 1, pid, score, rows[pid], parsed, terms, extra, highlight)
                   for n, (pid, score) in enumerate(page_ids)]
        return SearchResponse(query=query, mode=mode, k=k, page=page, total=len(shown), results=results)

    def _result(self, rank: int, pid: str, score: float, row, parsed: ParsedQuery, terms: set[str],
                extra: dict[str, int], highlight: bool = True) -> Result:
        answer = answer_sentence(row["text"], parsed.text) if highlight else None
        return Result(rank=rank, score=round(float(score), 6), article_id=row["article_id"], passage_id=pid,
                      title=row["title"], date=row["date"], source=row["source"], url=row["url"],
                      category=row["category"], passage=row["text"],
                      passage_html=mark_html(row["text"], terms, answer=answer) if highlight else "",
                      answer=answer,
                      position=row["position"], more_from_article=extra.get(row["article_id"], 0))


def diversify(ranked: Sequence[tuple[str, float]], article_ids: Sequence[str], per_article: int
              ) -> tuple[list[tuple[str, float]], dict[str, int]]:
    """Keep at most ``per_article`` passages of each article; count the ones held back per article."""
    shown: list[tuple[str, float]] = []
    seen: dict[str, int] = {}
    held: dict[str, int] = {}
    for item, aid in zip(ranked, article_ids):
        seen[aid] = seen.get(aid, 0) + 1
        if seen[aid] <= per_article:
            shown.append(item)
        else:
            held[aid] = held.get(aid, 0) + 1
    return shown, held


def _ranked(scores: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(scores.items(), key=lambda kv: -kv[1])


def open_searcher(index_dir: str | Path | None = None, *, model: str | None = None) -> Searcher:
    """A searcher over an index directory with the model the index was built with."""
    from ingest.settings import setting

    index = Index(index_dir)
    embedder = Embedder(setting("model", model or index.get_meta("model")),
                        precision=setting("precision"), threads=_threads())
    return Searcher(index, embedder)


def _threads() -> int | None:
    from ingest.settings import setting

    value = setting("threads")
    return int(value) if value else None
