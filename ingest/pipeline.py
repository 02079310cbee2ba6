"""Ingest: read files → articles → passages → embeddings → index (Chroma + SQLite + BM25).

Runnable on its own: ``python -m ingest.pipeline PATH... [--index DIR] [--prune]`` (same as ``telusur ingest``).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.analyzer import analyze
from ingest.article import Article, SkipInput
from ingest.embcache import EmbeddingCache, cache_path, embed_with_cache
from ingest.embed import Embedder
from ingest.lexical import LexicalIndex
from ingest.regions import detect_regions
from ingest.split import split_passages, split_sentences
from ingest.store import SENTENCE_MARK, Index, PassageRow
from ingest.vectable import rebuild_vectors, table_dir

FORMATS = {".html": "html", ".htm": "html", ".txt": "text", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".csv": "csv"}
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

    def summary(self) -> str:
        return (f"articles: {self.read} read, {len(self.skipped)} skipped, {self.unchanged_articles} unchanged, "
                f"{self.articles_removed} removed | passages: {self.added} added, {self.unchanged} unchanged, "
                f"{self.removed} removed ({self.embedded} embedded, the rest from cache)")


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Input files under ``paths`` (folders recursively), and problems with paths named explicitly."""
    files: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            if path.suffix.lower() in FORMATS:
                files.append(path)
            else:
                problems.append(f"{path}: unsupported file type (use .html, .htm, .txt, .jsonl or .csv)")
        else:
            problems.append(f"{path}: no such file or folder")
    return [p.resolve() for p in files], problems


def read_file_text(raw: bytes, origin: str) -> str:
    """Decode a plain-text article file, or explain in one line why it cannot be read."""
    if not raw.strip():
        raise SkipInput(f"{origin}: empty file")
    if b"\x00" in raw[:4096]:
        raise SkipInput(f"{origin}: binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SkipInput(f"{origin}: not UTF-8 text (invalid byte at offset {err.start}) and no charset declared")\
            from None


def read_articles(path: Path) -> Iterator[Article | SkipInput]:
    """Articles in one file; unreadable parts come out as ``SkipInput`` and the rest goes on."""
    from ingest.dumps import read_csv, read_jsonl
    from ingest.html_article import parse_html
    from ingest.text_article import parse_text_article

    kind = FORMATS[path.suffix.lower()]
    origin = str(path)
    try:
        if kind == "jsonl":
            yield from read_jsonl(path)
            return
        if kind == "csv":
            yield from read_csv(path)
            return
        raw = path.read_bytes()
        if kind == "html":
            yield parse_html(raw, origin)
        else:
            yield parse_text_article(read_file_text(raw, origin), origin)
    except SkipInput as skip:
        message = str(skip)
        yield skip if message.startswith(origin) else SkipInput(f"{origin}: {message}")
    except OSError as err:
        yield SkipInput(f"{origin}: cannot read ({err.strerror})")


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
                               span.end_char, passage_terms(article.title, span.text)))
    return rows


def embedding_text(article: Article, row: PassageRow) -> str:
    """What the encoder sees for a passage: the title travels with every passage."""
    return f"{article.title}\n{row.text}" if article.title else row.text


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
        if stored is None:
            self.index.set_meta("model", self.embedder.name)
        elif stored != self.embedder.name:
            raise SystemExit(f"error: index {self.index.directory} was built with model {stored!r}, "
                             f"not {self.embedder.name!r}; use another --index or the same model")

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
        vectors, encoded = embed_with_cache(texts, model=self.embedder.name, cache=self.cache,
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

    def prune(self, read_origins: set[str]) -> None:
        """Remove articles whose source file is gone, or that a re-read file no longer contains."""
        gone = []
        for origin, ids in self.index.origins().items():
            if origin.startswith(API_ORIGIN):
                continue  # added through POST /api/documents: no file to check
            if not Path(origin).exists():
                gone += ids
            elif origin in read_origins:
                gone += [aid for aid in ids if aid not in self._seen]
        if gone:
            self.report.removed += self.index.remove_articles(gone)
            self.report.articles_removed += len(gone)
            self.index.set_meta("lexical_stale", "1")

    def finish(self) -> None:
        """Commit what is queued and bring the BM25 index in step with the stored passages."""
        self.flush()
        self.index.flush_deletes()
        if self.index.get_meta("analyzer") != ANALYZER_VERSION:
            retokenize(self.index)
        stale = self.index.get_meta("lexical_stale") != "0" or not self.index.lexical_dir.exists()
        if stale:
            rebuild_lexical(self.index)
        if stale or self._written or not table_dir(self.index.directory).exists():
            # rows of passages this run did not write are reused; after an interrupted run, which vectors
            # changed is unknown, so all are read again
            rebuild_vectors(self.index, None if self._vectors_interrupted else self._written)
            self.index.set_meta("vectors_stale", "0")


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
                 embed_cache: str | Path | None = None) -> IngestReport:
    """Ingest files and folders into ``index``; skipped inputs are reported, never fatal.

    ``embed_cache``: the embedding cache file (default: the ``embed_cache`` setting, else one per index).
    Holds the index's writer lock throughout, so API writers (POST /api/documents) wait their turn."""
    with index.writing():
        return _ingest_paths(paths, index, embedder, prune=prune, show_progress=show_progress, log=log,
                             embed_cache=embed_cache)


def _ingest_paths(paths: Iterable[str | Path], index: Index, embedder: Embedder, *, prune: bool,
                  show_progress: bool, log: Callable[[str], None] | None,
                  embed_cache: str | Path | None = None) -> IngestReport:
    files, problems = discover(paths)
    bar = _progress_bar(show_progress)
    log = log or (lambda line: _say(line, bar))
    cache = EmbeddingCache(cache_path(index.directory, embed_cache))
    ingester = Ingester(index, embedder, cache=cache, progress=bar.update if bar is not None else None)
    ingester.report.skipped += problems
    for line in problems:
        log(f"skipped: {line}")
    read_origins: set[str] = set()
    try:
        for path in files:
            for item in read_articles(path):
                if isinstance(item, SkipInput):
                    ingester.report.skipped.append(str(item))
                    log(f"skipped: {item}")
                    continue
                item.origin = str(path)
                read_origins.add(item.origin)  # a file that yields no article keeps its old articles
                ingester.add(item)
        if prune:
            ingester.prune(read_origins)
        ingester.finish()
    finally:
        cache.close()
        if bar is not None:
            bar.close()
    return ingester.report


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

