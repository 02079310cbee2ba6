"""Serving the app: thread settings, background warm-up, waitress (one process) or gunicorn (several workers).

- Threads: a server answers several requests at once, so each request's encoder call gets one torch thread
  (``TELUSUR_THREADS`` overrides) and numpy/BLAS one thread. Two-thread torch calls collapse from ~20 ms to
  over a second when another process competes for the cores; one-thread calls do not.
- Warm-up: ``/healthz`` answers as soon as the server listens; the model, the BM25 index and the vector
  table load in a background thread meanwhile, so the first real query does not pay for them.
- Workers: ``workers=1`` runs waitress; more run gunicorn (``gthread`` workers, each ``threads`` threads)
  with the app built in every worker after the fork. Several workers should share a Chroma server
  (``CHROMA_HOST``, see docs/scaling.md); each maps the same BM25 and vector files read-only.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from ingest.settings import setting

log = logging.getLogger("telusur")

WARM_QUERY = "inovasi pelayanan publik daerah"
ACCESS_LOG = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s'  # gunicorn: which worker answered, how fast
SINGLE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def configure_threads() -> None:
    """One torch thread per request and single-threaded BLAS, unless set otherwise (call before importing torch)."""
    os.environ.setdefault("TELUSUR_THREADS", "1")
    for name in SINGLE_THREAD_ENV:
        os.environ.setdefault(name, "1")


def warm_up(searcher, report: Callable[[str], None] | None = None, reader=None) -> float:
    """Load everything a query needs (model, BM25, vectors, spelling vocabulary, the answer box's ``reader``) by
    answering one query; returns seconds taken."""
    started = time.perf_counter()
    try:
        from search_app.spelling import speller_for

        searcher.search(WARM_QUERY, k=1, facets=True)
        speller_for(searcher).vocabulary()  # the first misspelled query does not wait for it
        if reader is not None and setting("answers") == "reader":
            reader.warm_up()
    except Exception:  # a broken index must not kill the server: the request will report it
        log.exception("warm-up failed")
    seconds = time.perf_counter() - started
    if report:
        report(f"Telusur: warmed up in {seconds:.1f} s")
    return seconds


def make_app(index: str | None = None, *, warm: bool = True):
    """The Flask app over ``index`` with its searcher opened now and warmed up in a background thread."""
    from search_app.app import create_app
    from search_app.search import open_searcher

    searcher = open_searcher(index)
    app = create_app({"INDEX": index, "SEARCHER": searcher, "DEFAULT_MODE": setting("mode")})
    if warm:
        say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
        threading.Thread(target=warm_up, args=(searcher, say, app.config["READER"]), name="warm-up",
                         daemon=True).start()
    return app


def serve(index: str | None, *, host: str, port: int, threads: int, workers: int = 1) -> None:
    """Serve until interrupted: waitress for one worker, gunicorn for more."""
    configure_threads()
    if workers > 1:
        if not setting("chroma_host"):
            print("Telusur: note: several workers with a local Chroma store each hold its vector index in "
                  "memory and do not see each other's writes; use a Chroma server (CHROMA_HOST) to scale out",
                  file=sys.stderr, flush=True)
        print(f"Telusur: http://{host}:{port}/ (gunicorn, {workers} workers x {threads} threads)",
              file=sys.stderr, flush=True)
        GunicornApp(lambda: make_app(index), {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                                              "worker_class": "gthread", "timeout": 120, "accesslog": "-",
                                              "access_log_format": ACCESS_LOG}).run()
        return
    from waitress import serve as waitress_serve

    app = make_app(index)
    print(f"Telusur: http://{host}:{port}/", file=sys.stderr, flush=True)
    waitress_serve(app, host=host, port=port, threads=threads, ident="telusur")


class GunicornApp(BaseApplication):
    """gunicorn run from Python: the app is built by ``factory`` in each worker (no preload)."""

    def __init__(self, factory: Callable, options: dict):
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.factory()
