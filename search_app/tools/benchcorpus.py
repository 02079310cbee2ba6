"""Benchmark indexes of a chosen size, built from real Indonesian text.

Runnable on its own: ``python -m search_app.tools.benchcorpus N [--dir DIR]`` builds (or reuses) an index of about
N passages and prints its composition.

- Real part: the corpora in ``$TELUSUR_DATA`` (indosum-news articles, tydiqa-id-goldp and facqa-news-qa
  passages, about 14k passages together), ingested with the product's own pipeline and encoder. Their
  embeddings come from the shared embedding cache (``~/.cache/telusur/embeddings.sqlite``), so they are
  computed once per machine.
- Beyond them: synthetic articles that recombine real sentences: each takes runs of 2-5 consecutive
  sentences from 3-5 random real passages, the title of the first one's article, and a date, outlet and
  category drawn from the real indosum distribution (dates spread over 2015-2025). A synthetic passage's
  vector is derived from the real vectors, not computed: the normalised mean of the vectors of the real
  passages its sentences come from, plus Gaussian noise (sigma 0.02 per dimension, cosine about 0.93 to the
  mean), normalised. So a 200k index builds in minutes, not hours of embedding, and its vectors have the
  distribution of real ones. The synthetic articles still go through the product's ingest (splitting,
  BM25 terms, regions, wire-copy bands, Chroma, SQLite), only the encoder is replaced.

An index is reused when its recorded recipe (``bench_recipe`` in its meta table) matches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.article import Article, SkipInput
from ingest.embcache import SHARED_CACHE, EmbeddingCache
from ingest.embed import Embedder, embedder_from_settings
from ingest.formats.dumps import read_jsonl
from ingest.pipeline import Ingester
from ingest.settings import setting
from ingest.split import split_passages, split_sentences
from ingest.store import Index

DEFAULT_ROOT = Path.home() / ".cache" / "telusur" / "bench"  # benchmark indexes, reused across runs

RECIPE_VERSION = 1
CORPORA = ("indosum-news", "tydiqa-id-goldp", "facqa-news-qa")
NOISE = 0.02
SYNTHETIC_YEARS = (2015, 2025)


def data_dir() -> Path:
    """The real data folder (``$TELUSUR_DATA``, default ``../shared/data`` beside the repository)."""
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return Path(os.environ.get("TELUSUR_DATA", default))


def real_articles(data: Path) -> list[Article]:
    """The articles of the real corpora, interleaved so any prefix mixes news articles and QA passages."""
    per_corpus = [[a for a in read_jsonl(data / name / "corpus.jsonl") if not isinstance(a, SkipInput)]
                  for name in CORPORA]
    mixed: list[Article] = []
    for i in range(max(len(c) for c in per_corpus)):
        mixed += [c[i] for c in per_corpus if i < len(c)]
    return mixed


def passage_count(article: Article) -> int:
    return len(split_passages(article.text))


def take_passages(articles: Sequence[Article], budget: int) -> tuple[list[Article], int]:
    """The first articles holding at most ``budget`` passages, and their passage count."""
    chosen, total = [], 0
    for article in articles:
        n = passage_count(article)
        if total + n > budget:
            break
        chosen.append(article)
        total += n
    return chosen, total


@dataclass
class SentencePool:
    """Real sentences, the real passage each comes from, and those passages' vectors and article metadata."""

    sentences: list[list[str]]  # per real passage
    titles: list[str]  # per real passage: its article's title
    vectors: np.ndarray  # per real passage, normalised
    origin: dict[str, int]  # sentence -> real passage row
    dates: list[str]
    sources: list[str]
    categories: list[str]

    @classmethod
    def from_index(cls, index: Index) -> SentencePool:
        rows = list(index.db.execute(
            "SELECT p.passage_id, p.text, a.title, a.date, a.source, a.category FROM passages p "
            "JOIN articles a USING (article_id) ORDER BY p.rowid"))
        vectors = index_vectors(index, [r[0] for r in rows])
        sentences = [split_sentences(r[1]) for r in rows]
        origin: dict[str, int] = {}
        for i, group in enumerate(sentences):
            for s in group:
                origin.setdefault(s, i)
        news = [r for r in rows if r[4]]
        return cls(sentences, [r[2] for r in rows], vectors, origin, [r[3] for r in news if r[3]],
                   [r[4] for r in news], [r[5] for r in news])


def index_vectors(index: Index, ids: Sequence[str], batch: int = 2000) -> np.ndarray:
    """The stored vectors of ``ids`` (in that order), read from Chroma."""
    out = np.empty((len(ids), 384), dtype=np.float32)
    for start in range(0, len(ids), batch):
        chunk = list(ids[start:start + batch])
        got = index.vectors.get_vectors(chunk)
        if out.shape[1] != len(next(iter(got.values()))):
            out = np.empty((len(ids), len(next(iter(got.values())))), dtype=np.float32)
        out[start:start + len(chunk)] = np.stack([got[i] for i in chunk])
    return out


def synthetic_articles(pool: SentencePool, seed: int = 20250806) -> Iterator[Article]:
    """An endless stream of articles recombining the pool's real sentences (see the module docstring)."""
    rng = random.Random(seed)
    n = len(pool.sentences)
    first = np.datetime64(f"{SYNTHETIC_YEARS[0]}-01-01")
    days = int((np.datetime64(f"{SYNTHETIC_YEARS[1]}-12-31") - first).astype(int)) + 1
    for number in range(1 << 62):
        picks = [rng.randrange(n) for _ in range(rng.randint(3, 5))]
        paragraphs = []
        for p in picks:
            group = pool.sentences[p]
            length = min(len(group), rng.randint(2, 5))
            start = rng.randrange(len(group) - length + 1) if group else 0
            if group:
                paragraphs.append(" ".join(group[start:start + length]))
        day = str(first + rng.randrange(days))
        yield Article(article_id=f"syn-{number:07d}", title=pool.titles[picks[0]], text="\n\n".join(paragraphs),
                      date=day, source=rng.choice(pool.sources) if pool.sources else "sintetis",
                      url=f"https://sintetis.example/{number}",
                      category=rng.choice(pool.categories) if pool.categories else "",
                      origin="bench:synthetic")


class SyntheticEncoder:
    """Stands in for the encoder on synthetic passages: vectors derived from the real passages' vectors."""

    def __init__(self, pool: SentencePool, name: str, noise: float = NOISE):
        self.pool = pool
        self.name = name
        self.noise = noise

    def vector(self, text: str) -> np.ndarray:
        rows = sorted({self.pool.origin[s] for s in split_sentences(text) if s in self.pool.origin})
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        rng = np.random.default_rng(seed)
        if not rows:
            rows = [int(rng.integers(len(self.pool.vectors)))]
        mean = self.pool.vectors[rows].mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
        vec = mean + rng.normal(0.0, self.noise, mean.shape).astype(np.float32)
        return vec / np.linalg.norm(vec)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.vector(t) for t in texts]).astype(np.float32)


def ingest_articles(index: Index, encoder, articles, cache: EmbeddingCache, *, limit: int | None = None,
                    log=None) -> int:
    """Ingest ``articles`` through the product's Ingester until ``limit`` passages are added; returns the count."""
    added = 0
    with index.writing():
        ingester = Ingester(index, encoder, cache=cache)
        for article in articles:
            if limit is not None and added >= limit:
                break
            ingester.add(article)
            added += passage_count(article)
            if log and ingester.report.read % 2000 == 0:
                log(f"  {ingester.report.read} articles, ~{added} passages")
        ingester.finish()
    return added


def recipe(n: int, real_budget: int) -> dict:
    return {"version": RECIPE_VERSION, "passages": n, "real_budget": real_budget, "noise": NOISE,
            "corpora": list(CORPORA)}


def build_index(n: int, directory: Path, *, embedder: Embedder | None = None, data: Path | None = None,
                embed_cache: Path | None = None, log=None) -> dict:
    """Build or reuse an index of about ``n`` passages in ``directory``; returns its composition."""
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    data = data or data_dir()
    articles = real_articles(data)
    total_real = sum(passage_count(a) for a in articles)
    real_budget = n if n >= total_real else int(n * 0.8)  # small sizes keep a synthetic share, to exercise it
    wanted = recipe(n, real_budget)
    if directory.exists():
        done = Index(directory).get_meta("bench_recipe")
        if done == json.dumps(wanted, sort_keys=True):
            return composition(Index(directory), reused=True)
        shutil.rmtree(directory)
    started = time.perf_counter()
    index = Index(directory)
    embedder = embedder or embedder_from_settings(setting("model"))
    embed_cache = Path(embed_cache or setting("embed_cache") or SHARED_CACHE).expanduser()
    real, count = take_passages(articles, real_budget)
    log(f"bench index {directory}: {len(real)} real articles (~{count} passages, embeddings from "
        f"{embed_cache}), then synthetic passages up to {n}")
    cache = EmbeddingCache(embed_cache)
    ingest_articles(index, embedder, real, cache)
    cache.close()
    have = index.passage_count()
    if have < n:
        pool = SentencePool.from_index(index)
        scratch = EmbeddingCache(directory / "synthetic-vectors.sqlite")
        ingest_articles(index, SyntheticEncoder(pool, embedder.name), synthetic_articles(pool), scratch,
                        limit=n - have, log=log)
        scratch.close()
        for leftover in directory.glob("synthetic-vectors.sqlite*"):
            leftover.unlink()
    index.set_meta("bench_recipe", json.dumps(wanted, sort_keys=True))
    index.set_meta("bench_build_seconds", f"{time.perf_counter() - started:.1f}")
    return composition(index, reused=False)


def composition(index: Index, *, reused: bool) -> dict:
    """What a benchmark index holds: passages real and synthetic, and how it was made."""
    real, synthetic = (index.db.execute(
        "SELECT COUNT(*) FROM passages p JOIN articles a USING (article_id) WHERE a.origin" + op
        + "'bench:synthetic'").fetchone()[0] for op in ("<>", "="))
    return {"directory": str(index.directory), "passages": real + synthetic, "real_passages": real,
            "synthetic_passages": synthetic, "articles": index.article_count(), "reused": reused,
            "build_seconds": float(index.get_meta("bench_build_seconds") or 0),
            "synthetic_method": "real sentences recombined; vector = normalised mean of the source passages' "
                                f"real vectors + N(0, {NOISE}^2) noise, normalised"}


def source_shares(index: Index) -> Counter:
    """Passages per outlet (for choosing a realistic source filter)."""
    return Counter(dict(index.db.execute(
        "SELECT a.source, COUNT(*) FROM passages p JOIN articles a USING (article_id) GROUP BY a.source")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search_app.tools.benchcorpus", description=__doc__.split("\n")[0])
    parser.add_argument("passages", type=int)
    parser.add_argument("--dir", type=Path, default=None, help=f"index folder (default {DEFAULT_ROOT}/pN)")
    args = parser.parse_args(argv)
    directory = args.dir or DEFAULT_ROOT / f"p{args.passages}"
    print(json.dumps(build_index(args.passages, directory), indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    sys.exit(main())
