"""Ingest: read files → articles → passages → embeddings → index (Chroma + SQLite + BM25).

Runnable on its own: ``python -m ingest.pipeline PATH... [--index DIR] [--prune]`` (same as ``telusur ingest``).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ingest import stages
from ingest.analyzer import analyze
from ingest.article import Article, SkipInput
from ingest.embcache import EmbeddingCache, cache_path, embed_with_cache
from ingest.embed import Embedder
from ingest.engines import index_engine, vectors_tag
from ingest.formats import Format, detect, extensions
from ingest.formats.base import ReadOptions, read_options
from ingest.formats.reading import read_articles
from ingest.formats.worker import DocumentWorker
from ingest.lexical import LexicalIndex
from ingest.originals import Originals, referenced_originals
from ingest.regions import detect_regions
from ingest.schema import SENTENCE_MARK, PassageRow
from ingest.split import split_passages, split_sentences
from ingest.store import Index
from ingest.vectable import rebuild_vectors, table_dir

ANALYZER_VERSION = "2"  # bump when analyze() or passage_terms() change: stored terms are then recomputed
EMBED_BATCH_PASSAGES = int(os.environ.get("TELUSUR_BATCH", "256"))  # passages embedded per commit
API_ORIGIN = "api:"  # origin of articles added through POST /api/documents (never pruned)


@dataclass
class IngestReport:
    """What one ingest run did."""

    read: int = 0
    unchanged_articles: int = 0
    skipped: list[str] = field(default_factory=list)
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    embedded: int = 0
    articles_removed: int = 0
    unsupported: int = 0  # files in folders that no reader handles (reported, not skipped)
    pages: int = 0  # pages (slides, spreadsheet rows) of the documents read

    def summary(self) -> str:
        return (f"articles: {self.read} read, {len(self.skipped)} skipped, {self.unchanged_articles} unchanged, "
                f"{self.articles_removed} removed | passages: {self.added} added, {self.unchanged} unchanged, "
                f"{self.removed} removed ({self.embedded} embedded, the rest from cache)"
                + (f" | document pages: {self.pages}" if self.pages else ""))


@dataclass
class Discovered:
    """The files to read, problems with paths named explicitly, and files of types no reader handles."""

    files: list[tuple[Path, Format]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unsupported: list[Path] = field(default_factory=list)

    def unsupported_line(self, shown: int = 5) -> str:
        """One line: how many unsupported files were met in folders, and the first few."""
        names = ", ".join(str(p) for p in self.unsupported[:shown])
        more = f" and {len(self.unsupported) - shown} more" if len(self.unsupported) > shown else ""
        return (f"{len(self.unsupported)} file(s) of unsupported type not read: {names}{more} "
                f"(readable: {' '.join(extensions())})")


def discover(paths: Iterable[str | Path]) -> Discovered:
    """Input files under ``paths`` (folders recursively, hidden files and folders left out), with formats."""
    found = Discovered()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for candidate in sorted(p for p in path.rglob("*") if p.is_file()
                                    and not any(part.startswith(".") for part in p.relative_to(path).parts)):
                fmt = detect(candidate)
                if fmt is None:
                    found.unsupported.append(candidate)
                else:
                    found.files.append((candidate.resolve(), fmt))
        elif path.is_file():
            fmt = detect(path)
            if fmt is None:
                found.problems.append(f"{path}: unsupported file type (readable: {' '.join(extensions())})")
            else:
                found.files.append((path.resolve(), fmt))
        else:
            found.problems.append(f"{path}: no such file or folder")
    return found


def passage_terms(title: str, text: str) -> list[str]:
    """BM25 terms of a passage, grouped: the title's, then each sentence's, separated by ``|``."""
    groups = [analyze(title)] + [analyze(sentence) for sentence in split_sentences(text)]
    return [t for group in groups for t in (SENTENCE_MARK, *group)][1:]


def passage_rows(article: Article) -> list[PassageRow]:
    """Split an article into passages with content-derived ids and grouped BM25 terms (title included)."""
    rows: list[PassageRow] = []
    seen: dict[str, int] = {}
    for span in split_passages(article.text):
        digest = hashlib.sha256(f"{article.article_id}\x1f{span.text}".encode()).hexdigest()[:24]
        seen[digest] = seen.get(digest, 0) + 1
        pid = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        rows.append(PassageRow(pid, article.article_id, span.position, span.text, span.start_char,
                               span.end_char, passage_terms(article.title, span.text),
                               article.page_at(span.start_char), article.page_at(span.end_char - 1)))
    return rows


def embedding_text(article: Article, row: PassageRow) -> str:
    """What the encoder sees for a passage: the title travels with every passage."""
    return title_and_text(article.title, row.text)


def title_and_text(title: str, text: str) -> str:
    """A passage's text as embedded, from its article's title and its own text."""
    return f"{title}\n{text}" if title else text


def check_engine_mix(index: Index, engine: str) -> None:
    """Refuse to add passage vectors of ``engine`` to an index whose vectors another engine made, unless both
    give the same vectors (torch and onnxruntime fp32). Indexes from before engines hold torch's vectors."""
    stored = index_engine(index) or engine
    if vectors_tag(stored) != vectors_tag(engine):
        raise SystemExit(f"error: index {index.directory} holds passage vectors of engine {stored!r}, not "
                         f"{engine!r}; use another --index or --engine {stored}")
    if index.get_meta("engine") is None:
        index.set_meta("engine", engine)


def vectors_name(embedder) -> str:
    """The embedding-cache name of ``embedder``'s passage vectors (engine-tagged where they differ)."""
    return getattr(embedder, "vectors_name", embedder.name)


class Ingester:
    """Writes articles into an index, idempotently and incrementally."""

    def __init__(self, index: Index, embedder: Embedder, *, cache: EmbeddingCache | None = None,
                 progress: Callable[[int], None] | None = None):
        self.index = index
        self.embedder = embedder
        self.cache = cache if cache is not None else EmbeddingCache(cache_path(index.directory))
        self.progress = progress
        self.report = IngestReport()
        self._fingerprints = index.fingerprints()
        self._seen: dict[str, str] = {}  # article id -> origin, this run
        self._pending: list[tuple[Article, list[PassageRow]]] = []
        self._written: set[str] = set()  # passage ids whose vectors this run wrote (for the vector table)
        self._vectors_interrupted = index.get_meta("vectors_stale") == "1"  # a run died before its rebuild
        self._check_model()

    def _check_model(self) -> None:
        stored = self.index.get_meta("model")
        engine = getattr(self.embedder, "engine", "torch")
        if stored is None:
            self.index.set_meta("model", self.embedder.name)
            self.index.set_meta("engine", engine)
        elif stored != self.embedder.name:
            raise SystemExit(f"error: index {self.index.directory} was built with model {stored!r}, "
                             f"not {self.embedder.name!r}; use another --index or the same model")
        check_engine_mix(self.index, engine)

    def add(self, article: Article) -> None:
        """Queue one article; unchanged ones are recognised without embedding anything."""
        if article.article_id in self._seen:
            self.report.skipped.append(f"{article.origin}: duplicate article id {article.article_id!r} "
                                       f"(first read from {self._seen[article.article_id]})")
            return
        self._seen[article.article_id] = article.origin
        self.report.read += 1
        if not article.regions:
            article.regions = detect_regions(article.title, article.text)
        if self._fingerprints.get(article.article_id) == article.fingerprint:
            self.report.unchanged_articles += 1
            self.report.unchanged += len(self.index.passage_ids_of(article.article_id))
            self.index.touch_origin(article.article_id, article.origin)
            return
        rows = passage_rows(article)
        if not rows:
            self.report.skipped.append(f"{article.origin}: article {article.article_id!r} has no body text")
            return
        self._pending.append((article, rows))
        if sum(len(r) for _, r in self._pending) >= EMBED_BATCH_PASSAGES:
            self.flush()

    def flush(self) -> None:
        """Embed the queued articles' passages, upsert their vectors in one call, commit them article by article."""
        if not self._pending:
            return
        texts = [embedding_text(a, r) for a, rows in self._pending for r in rows]
        stages.mark("embed")
        vectors, encoded = embed_with_cache(texts, model=vectors_name(self.embedder), cache=self.cache,
                                            encode=self.embedder.encode_passages)
        self.report.embedded += encoded
        self.index.set_meta("lexical_stale", "1")  # before writing: a run killed mid-batch still rebuilds
        if not self._written:
            self.index.set_meta("vectors_stale", "1")
        self._written.update(r.passage_id for _, rows in self._pending for r in rows)
        starts = np.cumsum([0] + [len(rows) for _, rows in self._pending])
        written = self.index.put_articles([(article, rows, vectors[starts[i]:starts[i + 1]])
                                           for i, (article, rows) in enumerate(self._pending)])
        for (_, rows), (added, removed) in zip(self._pending, written):
            self.report.added += added
            self.report.unchanged += len(rows) - added
            self.report.removed += removed
            if self.progress:
                self.progress(len(rows))
        self._pending = []
        stages.mark("read")

    def prune(self, read_origins: set[str]) -> None:
        """Remove articles whose source file is gone, or that a re-read file no longer contains."""
        stages.mark("prune")
        gone = []
        for origin, ids in self.index.origins().items():
            if origin.startswith(API_ORIGIN):
                continue  # added through POST /api/documents: no file to check
            if not Path(origin).exists():
                gone += ids
            elif origin in read_origins:
                gone += [aid for aid in ids if aid not in self._seen]
        if gone:
            self.index.set_meta("lexical_stale", "1")  # before removing: a run killed meanwhile still rebuilds
            self.report.removed += self.index.remove_articles(gone)
            self.report.articles_removed += len(gone)
            Originals(self.index.directory).collect(referenced_originals(self.index.db))

    def finish(self) -> None:
        """Commit what is queued, bring the derived stores in step and publish what this run wrote."""
        self.flush()
        # rows of passages this run did not write are reused; after an interrupted run, which vectors
        # changed is unknown, so all are read again
        settle(self.index, written=self._written, reread_all=self._vectors_interrupted)


def settle(index: Index, *, written: set[str] | None = None, reread_all: bool = False) -> int:
    """Bring the BM25 index and the vector table in step with the ledger, then publish every committed
    article (``Index.publish``); returns how many were published. The caller holds the writer lock.

    ``written``: passage ids whose vectors this writer wrote (their table rows are re-read); ``reread_all``:
    re-read every row (a run died before its rebuild). Runs at a commit point (``Index.commit_point``)."""
    with index.commit_point():
        index.flush_deletes(resync=True)
        if index.get_meta("analyzer") != ANALYZER_VERSION:
            retokenize(index)
        stale = index.get_meta("lexical_stale") != "0" or not index.lexical_dir.exists()
        if stale:
            stages.mark("lexical")
            rebuild_lexical(index)
        interrupted = reread_all or index.get_meta("vectors_stale") == "1"
        if stale or written or interrupted or not table_dir(index.directory).exists():
            stages.mark("vectors")
            rebuild_vectors(index, None if interrupted else (written or set()))
            index.set_meta("vectors_stale", "0")
        stages.mark("publish")
        published = index.publish()
        stages.mark("done")
        return published


def recover(index: Index) -> int:
    """What a killed writer committed, made consistent and visible, unless a writer is busy (then 0).

    Readers call this when a writer left work behind (``Index.needs_settling``, search_app/catalog.py)."""
    if not index.needs_settling():
        return 0
    try:
        with index.writing(timeout=0):
            return settle(index)
    except TimeoutError:
        return 0


def retokenize(index: Index) -> None:
    """Recompute every stored passage's BM25 terms with the current analyzer."""
    updates = [(" ".join(passage_terms(title, text)), pid) for pid, title, text in index.db.execute(
        "SELECT p.passage_id, a.title, p.text FROM passages p JOIN articles a USING (article_id)")]
    with index.db:
        index.db.executemany("UPDATE passages SET tokens=? WHERE passage_id=?", updates)
    index.set_meta("analyzer", ANALYZER_VERSION)
    index.set_meta("lexical_stale", "1")


def rebuild_lexical(index: Index) -> LexicalIndex:
    """Build the BM25 index from every stored passage's tokens and save it beside Chroma."""
    ids, tokens = [], []
    for pid, toks in index.all_tokens():
        ids.append(pid)
        tokens.append(toks)
    lexical = LexicalIndex.build(ids, tokens)
    lexical.save(index.lexical_dir)
    index.set_meta("lexical_stale", "0")
    return lexical


def ingest_paths(paths: Iterable[str | Path], index: Index, embedder: Embedder, *, prune: bool = False,
                 show_progress: bool = True, log: Callable[[str], None] | None = None,
                 embed_cache: str | Path | None = None, options: ReadOptions | None = None) -> IngestReport:
    """Ingest files and folders into ``index``; skipped inputs are reported, never fatal.

    ``embed_cache``: the embedding cache file (default: the ``embed_cache`` setting, else one per index).
    ``options``: default outlet, OCR mode and per-file limits for the readers (default: from the settings).
    Holds the index's writer lock throughout, so API writers (POST /api/documents) wait their turn."""
    with index.writing():
        return _ingest_paths(paths, index, embedder, prune=prune, show_progress=show_progress, log=log,
                             embed_cache=embed_cache, options=options or read_options())


def _ingest_paths(paths: Iterable[str | Path], index: Index, embedder: Embedder, *, prune: bool,
                  show_progress: bool, log: Callable[[str], None] | None,
                  embed_cache: str | Path | None, options: ReadOptions) -> IngestReport:
    found = discover(paths)
    bar = _progress_bar(show_progress)
    say = log or (lambda line: _say(line, bar))
    cache = EmbeddingCache(cache_path(index.directory, embed_cache))
    ingester = Ingester(index, embedder, cache=cache, progress=bar.update if bar is not None else None)
    ingester.report.skipped += found.problems
    for line in found.problems:
        say(f"skipped: {line}")
    if found.unsupported:
        ingester.report.unsupported = len(found.unsupported)
        say(f"note: {found.unsupported_line()}")
    read_origins: set[str] = set()
    originals = Originals(index.directory)
    worker = DocumentWorker()  # documents are read there, cut at the per-file limit
    pages = _PageCount(bar, ingester.report)
    try:
        stages.mark("read")
        for path, fmt in found.files:
            started = replace(options, started=time.monotonic())
            items = (worker.read(path, fmt, started, on_page=pages.tick) if fmt.document
                     else read_articles(path, fmt, started))
            pages.reading = 0
            for item in items:
                if isinstance(item, SkipInput):
                    ingester.report.skipped.append(str(item))
                    say(f"skipped: {item}")
                    continue
                item.origin = str(path)
                if fmt.document:
                    originals.keep(item, path, fmt)
                    ingester.report.pages += len({page for _, page in item.pages})
                    pages.show()
                read_origins.add(item.origin)  # a file that yields no article keeps its old articles
                ingester.add(item)
        if prune:
            ingester.prune(read_origins)
        ingester.finish()
    finally:
        worker.close()
        cache.close()
        if bar is not None:
            bar.close()
    return ingester.report


@dataclass
class _PageCount:
    """Document pages on the progress bar: those of the documents read, and those of the one being read."""

    bar: object
    report: IngestReport
    reading: int = 0

    def tick(self) -> None:
        self.reading += 1
        self.show()

    def show(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.report.pages + self.reading} document pages read")


def _say(line: str, bar) -> None:
    """A line on stderr, above the progress bar when there is one (never on the bar's own line)."""
    if bar is None:
        print(line, file=sys.stderr)
    else:
        bar.write(line, file=sys.stderr)


def _progress_bar(enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(unit="passage", desc="embedding", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)

