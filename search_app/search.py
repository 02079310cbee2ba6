"""Answering a question: dense (Chroma) and BM25 candidates, fused, filtered, diversified, highlighted."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ingest.analyzer import analyze
from ingest.embed import Embedder, embedder_from_settings
from ingest.engines import index_engine
from ingest.lexical import LexicalIndex
from ingest.settings import setting
from ingest.store import Index
from search_app import filtering, fuse
from search_app.catalog import ArticleMeta, LiveCatalog
from search_app.facets import FACET_FIELDS, facet_counts, row_regions
from search_app.highlight import answer_sentence, mark_html, query_terms, snippet_html
from search_app.provenance import answer_page, file_url, page_label
from search_app.query import ParsedQuery, expand_acronyms, parse_query
from search_app.signals import stored_sentence_coverage

MODES = ("hybrid", "dense", "bm25")
SORTS = ("relevance", "newest", "oldest")
DENSE_DEPTH = 100
LEXICAL_DEPTH = 100
DEEP = 1000  # candidate depth when filters, phrases, facets or date order need a broad pool
HYBRID_DENSE_DEEP = 300  # hybrid's dense share of that pool (BM25 keeps DEEP: its top-k costs nothing extra)
PER_ARTICLE = 2
SENTENCE_DEPTH = 200  # candidates (best by dense + BM25) that also get the sentence signal
MIN_SHOULD_MATCH = 0.5  # require_match: share of the query's terms a passage (with its title) must hold
STRONG_DENSE = 10  # require_match: the nearest passages by meaning need only STRONG_NEED of the query's terms
STRONG_NEED = 1
FUSED_STRONG = 10  # require_match: the first passages of the hybrid ranking need only STRONG_NEED terms too
VECTOR_CACHE = 256


@dataclass
class Filters:
    """Restrictions on which articles may answer (combined with AND; values within a facet with OR)."""

    date_from: str | None = None  # YYYY-MM-DD
    date_to: str | None = None
    sources: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # official names: kabupaten/kota or provinsi

    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.sources or self.categories or self.regions)

    def without(self, facet: str) -> Filters:
        """These filters less one facet's ("date", "source", "category", "region"): for that facet's counts."""
        if facet == "date":
            return replace(self, date_from=None, date_to=None)
        return replace(self, **{FACET_FIELDS[facet]: []})

    def allows(self, meta: ArticleMeta) -> bool:
        day = meta.day
        if self.date_from and (day is None or day < int(self.date_from.replace("-", ""))):
            return False
        if self.date_to and (day is None or day > int(self.date_to.replace("-", ""))):
            return False
        if self.sources and meta.source not in self.sources:
            return False
        if self.categories and meta.category not in self.categories:
            return False
        return not (self.regions and not set(self.regions) & set(meta.regions))



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
    regions: list[str] = field(default_factory=list)
    cluster_id: str = ""
    snippet_html: str = ""  # a short window of passage_html around the answer, "…" where cut
    also_published: list[dict] = field(default_factory=list)  # wire copies: article_id, title, source, date, url
    page: int | None = None  # documents: page (slide, spreadsheet row) where the passage starts
    page_end: int | None = None  # and where it ends
    page_label: str = ""  # "hal. 12", "hal. 12–13", "slide 3", "baris 5–9"
    answer_page: int | None = None  # the page of the answer sentence (the passage may span two)
    file_url: str = ""  # the original file (/berkas/<id>, #page=N of the answer for a PDF)


@dataclass
class SearchResponse:
    query: str
    mode: str
    k: int
    page: int
    total: int
    results: list[Result]
    sort: str = "relevance"
    facets: dict | None = None  # facet -> [{"value", "count", "selected", ...}] (see search_app/facets.py)
    match: str = "all"  # which step of the served search answered: all, relaxed, meaning (search_app/served.py)
    suggestion: str | None = None  # the query with its misspellings corrected ("Maksud Anda")
    searched: str | None = None  # the query the results are for, when not the one typed (the correction)
    language: str = "id"  # the query's language; others are answered by meaning
    respelled: list[dict] = field(default_factory=list)  # {"typed", "matched"}: unknown words matched as known ones

    def to_json(self) -> dict:
        body = {"query": self.query, "mode": self.mode, "k": self.k, "page": self.page, "total": self.total,
                "sort": self.sort, "match": self.match, "suggestion": self.suggestion, "searched": self.searched,
                "respelled": self.respelled, "language": self.language, "results": [asdict(r) for r in self.results]}
        if self.facets is not None:
            body["facets"] = self.facets
        return body


@dataclass
class Signals:
    """Per-candidate signals, aligned with ``ids``."""

    ids: list[str]
    dense: np.ndarray
    lexical: np.ndarray
    sentence: np.ndarray
    reference: np.ndarray | None = None  # the retrievers' heads, which set the z-scales (fuse.hybrid)


class Searcher:
    """Ranked excerpts for a question over one index. Thread-safe for a multi-threaded server."""

    def __init__(self, index: Index, embedder: Embedder, *, weights: fuse.HybridWeights | None = None,
                 expand_acronyms: bool | None = None):
        self.index = index
        self.embedder = embedder
        self.weights = weights or fuse.HybridWeights()
        self.expand_acronyms = setting("acronyms") == "on" if expand_acronyms is None else expand_acronyms
        self._lexical: LexicalIndex | None = None
        self._lexical_stamp: float | None = None
        self._lock = threading.Lock()
        self._local: filtering.LocalVectors | None = None
        self._vectors: dict[str, np.ndarray] = {}  # query text -> embedding, oldest first
        self.catalog = LiveCatalog(index)

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

    def query_vector(self, text: str) -> np.ndarray:
        """The query's embedding, remembered for the last ``VECTOR_CACHE`` queries (the served search's steps
        and the next result page ask again)."""
        with self._lock:
            vector = self._vectors.get(text)
        if vector is None:
            vector = self.embedder.encode_queries([text])[0]
            with self._lock:
                self._vectors[text] = vector
                while len(self._vectors) > VECTOR_CACHE:
                    self._vectors.pop(next(iter(self._vectors)))
        return vector

    def dense_candidates(self, text: str, depth: int) -> tuple[dict[str, float], np.ndarray]:
        """The ``depth`` nearest passages (id -> cosine, best first) and the query vector; exact over the vector
        table on indexes of up to ``exact_dense`` passages (``ChromaVectors.nearest``)."""
        vector = self.query_vector(text)
        self.local_vectors().current()  # attaches the current table to the index's vectors
        return dict(self.index.vectors.nearest(vector, depth)), vector

    def filtered_dense_candidates(self, text: str, depth: int, filters: Filters | None = None
                                  ) -> tuple[dict[str, float], np.ndarray]:
        """``dense_candidates``, plus under active filters the best passages they allow, found without Chroma's
        slow ``where`` path (search_app/filtering.py)."""
        return filtering.dense_candidates(self, text, depth, filters)

    def local_vectors(self) -> filtering.LocalVectors:
        """The memory-mapped vector table and filter columns of the index (ingest/vectable.py)."""
        if self._local is None:
            with self._lock:
                if self._local is None:
                    self._local = filtering.LocalVectors(self.index, self.catalog)
        return self._local

    def lexical_candidates(self, text: str, depth: int) -> dict[str, float]:
        lexical = self.lexical()
        tokens = analyze(f"{text} {expand_acronyms(text)}" if self.expand_acronyms else text)
        if lexical is None or not tokens:
            return {}
        return dict(lexical.search(tokens, depth))

    def retrieve(self, parsed: ParsedQuery, mode: str, depth: int, filters: Filters | None = None
                 ) -> tuple[list[tuple[str, float]], set[str]]:
        """Scored passage ids, best first, from the retrievers of ``mode``, and the strong matches among them:
        the ``STRONG_DENSE`` nearest by meaning and the hybrid ranking's first ``FUSED_STRONG``.
        The encoder reads the whole text; BM25 reads ``parsed.lexical_text``."""
        text, words = parsed.text or " ".join(parsed.phrases), parsed.lexical_text
        if mode == "bm25":
            return _ranked(self.lexical_candidates(words, depth)), set()
        dense_depth = depth if mode == "dense" or depth < DEEP else min(depth, HYBRID_DENSE_DEEP)
        dense, vector = self.filtered_dense_candidates(text, dense_depth, filters)
        strong = set(_top(dense, STRONG_DENSE))
        if mode == "dense":
            return _ranked(dense), strong
        lexical = self.lexical_candidates(words, depth)
        fused = self._fuse(words, dense, lexical, vector)
        return fused, strong | {pid for pid, _ in fused[:FUSED_STRONG]}

    def _fuse(self, text: str, dense: dict[str, float], lexical: dict[str, float], vector: np.ndarray
              ) -> list[tuple[str, float]]:
        """Hybrid ranking of the union of both candidate lists, each candidate scored by every signal."""
        signals = self.signals(text, dense, lexical, vector, sentence_depth=SENTENCE_DEPTH)
        scores = fuse.hybrid(signals.dense, signals.lexical, signals.sentence, weights=self.weights,
                             reference=signals.reference)
        return _ranked(dict(zip(signals.ids, scores.tolist())))

    def signals(self, text: str, dense: dict[str, float], lexical: dict[str, float], vector: np.ndarray,
                *, sentence_depth: int | None = None) -> Signals:
        """Every signal for every candidate of either retriever (BM25-only candidates get their exact cosine
        from the stored vectors; dense-only ones BM25 0, below any match). With ``sentence_depth``, the
        sentence signal is computed for that many candidates best by dense + BM25 alone (0 for the rest).
        ``reference`` marks the top ``DENSE_DEPTH`` dense and top ``LEXICAL_DEPTH`` BM25 candidates."""
        head = {*_top(dense, DENSE_DEPTH), *_top(lexical, LEXICAL_DEPTH)}
        ids = list(dict.fromkeys([*dense, *lexical]))
        missing = [i for i in ids if i not in dense]
        if missing:
            stored = self.index.vectors.get_vectors(missing, partial=True)  # unreadable now: ranked without them
            dense.update({pid: float(vec @ vector) for pid, vec in stored.items()})
        ids = [i for i in ids if i in dense]
        dense_scores = np.array([dense[i] for i in ids])
        lexical_scores = np.array([lexical.get(i, 0.0) for i in ids])
        reference = np.array([i in head for i in ids], dtype=bool)
        chosen = np.arange(len(ids))
        if sentence_depth is not None and len(ids) > sentence_depth:
            base = fuse.hybrid(dense_scores, lexical_scores, np.zeros(len(ids)), weights=self.weights,
                               reference=reference)
            chosen = np.argsort(-base, kind="stable")[:sentence_depth]
        terms = list(dict.fromkeys(analyze(text)))
        lexical_index = self.lexical()
        weights = lexical_index.idf(terms) if lexical_index is not None else np.zeros(len(terms))
        rows = self.index.passages([ids[j] for j in chosen])
        sentence = np.zeros(len(ids))
        for j in chosen:
            if ids[j] in rows:
                sentence[j] = stored_sentence_coverage(terms, weights, rows[ids[j]]["tokens"])
        return Signals(ids=ids, dense=dense_scores, lexical=lexical_scores, sentence=sentence, reference=reference)

    # -- the whole answer ---------------------------------------------------------------------------
    def search(self, query: str | ParsedQuery, *, k: int = 10, page: int = 1, mode: str = "hybrid",
               filters: Filters | None = None, per_article: int = PER_ARTICLE, highlight: bool = True,
               sort: str = "relevance", facets: bool = False, group_copies: bool = False,
               require_match: bool = False, min_share: float = MIN_SHOULD_MATCH, syntax: bool = True
               ) -> SearchResponse:
        """Ranked excerpts for ``query``, ``filters`` applied, page ``page`` of ``k``.

        ``sort``: relevance, newest or oldest. ``facets``: also count the pool's articles per facet value
        (search_app/facets.py). ``group_copies``: one result per wire-copy cluster, its earliest member, the
        others in ``also_published``. ``require_match``: keep only passages that match the query (see
        ``matching``, ``min_share``), so that counts, date order and feeds mean something. Without query
        words: the articles the filters allow (all, without filters), newest first. ``query`` may come parsed
        (with ``keywords``, see ``ParsedQuery``)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query, syntax=syntax)
        filters = filters or Filters()
        if not (parsed.text or parsed.phrases):  # a listing: the filters' articles (or all), newest first
            ranked, strong = [(pid, 0.0) for pid in self.index.first_passage_ids()], set()
            sort = "newest" if sort == "relevance" else sort
        else:
            constrained = filters.active() or parsed.phrases or parsed.excluded or facets or sort != "relevance"
            depth = DEEP if constrained else max(DENSE_DEPTH, k * page * 3)
            ranked, strong = self.retrieve(parsed, mode, depth, filters)
        metas = self.catalog.current().metas(pid for pid, _ in ranked)
        pool = [(pid, s) for pid, s in ranked if pid in metas]
        if parsed.phrases or parsed.excluded:
            rows = self.index.passages([pid for pid, _ in pool])
            pool = [(pid, s) for pid, s in pool
                    if pid in rows and parsed.allows(rows[pid]["title"] + "\n" + rows[pid]["text"])]
        if require_match and (parsed.text or parsed.phrases) and mode != "dense":
            pool = self.matching(pool, parsed, min_share=min_share, strong=strong)
        kept = [(pid, s) for pid, s in pool if filters.allows(metas[pid])]
        if group_copies:
            kept = lead_passages(kept, metas)
        shown, extra = diversify(kept, [metas[pid].article_id for pid, _ in kept], per_article)
        shown = sort_passages(shown, metas, sort)
        page_ids = shown[(page - 1) * k: page * k]
        rows = self.index.passages([pid for pid, _ in page_ids])
        page_ids = [item for item in page_ids if item[0] in rows]  # an ingest may have replaced one meanwhile
        terms = query_terms(parsed.lexical_text + " " + " ".join(parsed.phrases))
        results = [self._result((page - 1) * k + n + 1, pid, score, rows[pid], parsed, terms, extra, highlight)
                   for n, (pid, score) in enumerate(page_ids)]
        if group_copies:
            for r in results:
                r.also_published = self.copies_of(r.cluster_id, r.article_id)
        counts = facet_counts([metas[pid] for pid, _ in pool], filters) if facets else None
        return SearchResponse(query=parsed.raw, mode=mode, k=k, page=page, total=len(shown), results=results,
                              sort=sort, facets=counts)

    def matching(self, ranked: list[tuple[str, float]], parsed: ParsedQuery, *, min_share: float = MIN_SHOULD_MATCH,
                 strong: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, float]]:
        """The passages that match a query: those holding at least ``min_share`` of its analysed terms (at least
        one), title included (the "minimum should match" convention of lexical engines), and the ``strong``
        matches (nearest by meaning, first of the hybrid ranking) holding at least ``STRONG_NEED`` of them: a
        paraphrase of the question keeps its answer.
        Dense mode does not call this: there every candidate matches by meaning."""
        terms = set(analyze(parsed.lexical_text))
        need = max(1, math.ceil(len(terms) * min_share))
        lexical = self.lexical()
        if lexical is None:
            return []
        held = lexical.held_terms(terms, [pid for pid, _ in ranked])
        return [item for item, count in zip(ranked, held)
                if count >= need or (item[0] in strong and count >= min(need, STRONG_NEED))]

    def copies_of(self, cluster_id: str, article_id: str) -> list[dict]:
        """The other articles of a wire-copy cluster, earliest first."""
        return [dict(r) for r in self.index.cluster_members(cluster_id) if r["article_id"] != article_id]

    def _result(self, rank: int, pid: str, score: float, row, parsed: ParsedQuery, terms: set[str],
                extra: dict[str, int], highlight: bool = True) -> Result:
        answer = answer_sentence(row["text"], parsed.text, stored_terms=row["tokens"]) if highlight else None
        at_page = answer_page(row["pages"], row["start_char"], row["text"], answer) if row["page"] else None
        return Result(rank=rank, score=round(float(score), 6), article_id=row["article_id"], passage_id=pid,
                      title=row["title"], date=row["date"], source=row["source"], url=row["url"],
                      category=row["category"], passage=row["text"],
                      passage_html=mark_html(row["text"], terms, answer=answer) if highlight else "",
                      answer=answer,
                      position=row["position"], more_from_article=extra.get(row["article_id"], 0),
                      regions=row_regions(row), cluster_id=row["cluster_id"],
                      snippet_html=snippet_html(row["text"], terms, answer=answer) if highlight else "",
                      page=row["page"], page_end=row["page_end"],
                      page_label=page_label(row["page"], row["page_end"], row["page_kind"]),
                      answer_page=at_page, file_url=file_url(row["article_id"], row["content_type"], at_page))


def lead_passages(ranked: Sequence[tuple[str, float]], metas: dict[str, ArticleMeta]) -> list[tuple[str, float]]:
    """One article per wire-copy cluster: the passages of its earliest-published member in ``ranked``.

    A story ranks by its best-matching copy: the lead's first passage takes the cluster's best score."""
    lead: dict[str, tuple] = {}
    best: dict[str, float] = {}
    for pid, score in ranked:
        meta = metas[pid]
        key = (meta.date is None, (meta.date or "")[:10], meta.article_id)
        lead[meta.cluster_id] = min(lead.get(meta.cluster_id, key), key)
        best[meta.cluster_id] = max(best.get(meta.cluster_id, score), score)
    out: list[tuple[str, float]] = []
    for pid, score in ranked:
        cluster = metas[pid].cluster_id
        if metas[pid].article_id == lead[cluster][2]:
            out.append((pid, best.pop(cluster, score)))
    return sorted(out, key=lambda item: -item[1])


def sort_passages(items: list[tuple[str, float]], metas: dict[str, ArticleMeta], sort: str
                  ) -> list[tuple[str, float]]:
    """``items`` in relevance order, or by publication date (undated last), better score first on a tie."""
    if sort == "relevance":
        return items
    dated = [x for x in items if metas[x[0]].date]
    undated = [x for x in items if not metas[x[0]].date]
    if sort == "newest":
        return sorted(dated, key=lambda x: (metas[x[0]].date[:19], x[1]), reverse=True) + undated
    return sorted(dated, key=lambda x: (metas[x[0]].date[:19], -x[1])) + undated


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
    """Best first; equal scores by passage id (not by the order the retrievers found them in)."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def _top(scores: dict[str, float], n: int) -> list[str]:
    """The ids of the ``n`` best scores."""
    return [pid for pid, _ in _ranked(scores)[:n]] if len(scores) > n else list(scores)


def open_searcher(index_dir: str | Path | None = None, *, model: str | None = None) -> Searcher:
    """A searcher over an index directory with the model the index was built with."""
    index = Index(index_dir)
    embedder = embedder_from_settings(setting("model", model or index.get_meta("model")), engine=index_engine(index))
    searcher = Searcher(index, embedder)
    searcher.catalog.current()  # publishes what a killed writer left committed (catalog.LiveCatalog)
    return searcher
