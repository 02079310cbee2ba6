"""The evaluation harness: index a corpus with the product's own ingest, run queries, score against qrels.

Runnable on its own: ``python -m search_app.tools.evaluate --corpus C --queries Q --qrels R`` (= ``telusur eval``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from ingest.embcache import SHARED_CACHE
from ingest.embed import embedder_from_settings
from ingest.engines import index_engine, vectors_tag
from ingest.pipeline import ingest_paths
from ingest.settings import setting
from ingest.store import Index
from search_app.search import Searcher
from search_app.served import MATCH_STEPS, served_search
from search_app.tools.metrics import evaluate_run, percentile
from search_app.tools.reader_data import part_of

DEPTH = 100


def read_queries(path: Path) -> Iterator[tuple[str, str]]:
    """(query id, text) from a JSONL file of ``{"id", "text"}`` objects."""
    with path.open(encoding="utf-8") as lines:
        for lineno, line in enumerate(lines, 1):
            if line.strip():
                try:
                    record = json.loads(line)
                    yield str(record["id"]), str(record["text"])
                except (json.JSONDecodeError, KeyError, TypeError) as err:
                    raise SystemExit(f"error: {path}:{lineno}: not a query object with id and text ({err})") from None


def read_qrels(path: Path) -> dict[str, dict[str, float]]:
    """``query-id<TAB>doc-id<TAB>relevance`` lines → {query: {doc: relevance}}."""
    qrels: dict[str, dict[str, float]] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            raise SystemExit(f"error: {path}:{lineno}: expected query-id<TAB>doc-id<TAB>relevance")
        qrels.setdefault(parts[0], {})[parts[1]] = float(parts[2])
    return qrels


def default_index_dir(corpus: Path | Sequence[Path]) -> Path:
    """One reusable evaluation index per corpus file content (or set of corpora, for a mixed index)."""
    corpora = [corpus] if isinstance(corpus, Path) else list(corpus)
    digest = hashlib.sha256(b"".join(c.read_bytes() for c in corpora)).hexdigest()[:10]
    name = "+".join(f"{c.stem}-{c.parent.name}" for c in corpora) if len(corpora) < 4 else f"{len(corpora)}-corpora"
    tag = vectors_tag(setting("engine"))  # an engine with other vectors gets its own index
    name += f"-{tag}" if tag else ""
    return Path.home() / ".cache" / "telusur" / "eval" / f"{name}-{digest}"


def article_ranking(searcher: Searcher, query: str, mode: str, depth: int = DEPTH) -> list[str]:
    """Distinct article ids, best first: a query hit is scored by its article (= corpus record) id."""
    response = searcher.search(query, k=depth, mode=mode, per_article=1, highlight=False, syntax=False)
    return [r.article_id for r in response.results]


def served_ranking(searcher: Searcher, query: str, mode: str, judged: dict[str, float], depth: int = DEPTH
                   ) -> tuple[list[str], str]:
    """Article ids as ``/api/search`` ranks them (search_app/served.py, ``k=depth``) and the match step that
    answered; a result stands for its judged wire copy when its own article is not judged relevant."""
    response = served_search(searcher, query, k=depth, mode=mode, highlight=False)
    ranking = []
    for r in response.results:
        copies = [c["article_id"] for c in r.also_published]
        ranking.append(next((a for a in [r.article_id, *copies] if judged.get(a, 0) > 0), r.article_id))
    return ranking, response.match


def eval_searcher(corpus: Path | Sequence[Path], index_dir: Path | None = None) -> Searcher:
    """A searcher over the evaluation index of ``corpus`` (or several, ingested together into one), built with
    the product's ingest on first use and brought up to date (unchanged records cost nothing) after."""
    corpora = [corpus] if isinstance(corpus, Path) else list(corpus)
    index = Index(index_dir or default_index_dir(corpora))
    embedder = embedder_from_settings(setting("model", index.get_meta("model")), engine=index_engine(index))
    ingest_paths(corpora, index, embedder, show_progress=False, log=lambda line: None,
                 embed_cache=setting("embed_cache") or SHARED_CACHE)
    return Searcher(index, embedder)


def run_eval(*, corpus: Path | Sequence[Path], queries: Path, qrels: Path, index_dir: Path | None = None,
             mode: str = "hybrid", searcher: Searcher | None = None, limit: int | None = None,
             served: bool = False, part: str | None = None, answers: str | None = None) -> dict:
    """Metrics and query latency for one query set / mode over a corpus (or several, ingested together).
    ``served``: rank as the web page and the API do (``served_ranking``), and count empty pages and the
    match steps that answered. ``part``: only the queries of one part of the split (``reader_data.part_of``).
    ``answers``: also the short-answer metrics of that method (``reader`` or ``rules``; answer_eval.py)."""
    judged = read_qrels(qrels)
    searcher = searcher or eval_searcher(corpus, index_dir)
    pairs = [(qid, text) for qid, text in read_queries(queries) if qid in judged and (
        part is None or part_of(queries.parent.name, next(iter(judged[qid]))) == part)][:limit]
    judged = {qid: judged[qid] for qid, _ in pairs}
    article_ranking(searcher, pairs[0][1], mode) if pairs else None  # warm-up: model load, index load
    run: dict[str, list[str]] = {}
    steps: Counter[str] = Counter()
    latencies: list[float] = []
    for qid, text in pairs:
        started = time.perf_counter()
        if served:
            run[qid], step = served_ranking(searcher, text, mode, judged[qid])
            steps[step] += 1
        else:
            run[qid] = article_ranking(searcher, text, mode)
        latencies.append((time.perf_counter() - started) * 1000)
    metrics: dict = evaluate_run(run, judged)
    metrics.update(latency_ms_p50=percentile(latencies, 50), latency_ms_p95=percentile(latencies, 95), mode=mode)
    if served:
        metrics.update(served=True, empty=sum(not ranking for ranking in run.values()),
                       match={step: steps[step] for step in MATCH_STEPS})
    if part:
        metrics["part"] = part
    if answers:
        from search_app.reader import Reader
        from search_app.tools.answer_eval import read_answers, run_answer_eval

        questions = read_answers(queries, judged, part)
        metrics.update(run_answer_eval(searcher, questions, method=answers, reader=Reader(), mode=mode)[0])
    return metrics


def format_metrics(m: dict) -> str:
    served = f" served: empty={m['empty']} match={m['match']}" if m.get("served") else ""
    answers = (f"\nanswers ({m['answer_method']}): questions={m['answer_questions']} EM={m['answer_em']:.4f} "
               f"F1={m['answer_f1']:.4f} coverage={m['answer_coverage']:.4f} precision={m['answer_precision']:.4f} "
               f"latency p50={m['answer_latency_ms_p50']:.1f} ms p95={m['answer_latency_ms_p95']:.1f} ms"
               if "answer_method" in m else "")
    return (f"mode={m['mode']}{' (served)' if served else ''} "
            f"queries={m['queries']} nDCG@10={m['ndcg@10']:.4f} MRR@10={m['mrr@10']:.4f} "
            f"R@10={m['recall@10']:.4f} R@100={m['recall@100']:.4f} P@1={m['p@1']:.4f} "
            f"latency p50={m['latency_ms_p50']:.1f} ms p95={m['latency_ms_p95']:.1f} ms{served}{answers}")


if __name__ == "__main__":
    import subprocess
    import sys

    sys.exit(subprocess.call([sys.executable, "-m", "search_app.cli", "eval", *sys.argv[1:]]))
