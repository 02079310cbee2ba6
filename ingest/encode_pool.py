"""Passage encoding spread over worker processes with one torch thread each.

On this 2-core machine two one-thread processes encode 37.5 passages/s together (18.5-19.2/s each) where one
two-thread process does 34-35/s (244-token passages, bf16, batches of 8; docs/bench.md): threads of one
process wait for each other at every layer, processes do not. ``telusur ingest`` uses one process per core
(``TELUSUR_ENCODE_PROCESSES``); searching and the API's ingest stay in-process.

Workers are spawned (not forked: torch's thread pools do not survive a fork), load the model themselves, and
exit when their parent is gone, also after a SIGKILL.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator

import numpy as np

_worker = None  # the Embedder of a worker process


def _start_worker(model_id: str, precision: str, parent: int) -> None:
    global _worker
    from ingest.embed import Embedder

    _worker = Embedder(model_id, precision=precision, threads=1)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _encode_batch(texts: list[str]) -> np.ndarray:
    return _worker._embed(texts)


class EncoderPool:
    """``processes`` workers, each with its own copy of the model, started on first use."""

    def __init__(self, model_id: str, precision: str, processes: int):
        self.model_id = model_id
        self.precision = precision
        self.processes = processes
        self._pool = None
        self._lock = threading.Lock()

    def _workers(self):
        with self._lock:
            if self._pool is None:
                from ingest.embed import is_default_model

                if is_default_model(self.model_id):  # convert once here, not in every worker at once
                    from ingest.e5_convert import ensure_converted_model

                    ensure_converted_model()
                context = multiprocessing.get_context("spawn")
                self._pool = context.Pool(self.processes, initializer=_start_worker,
                                          initargs=(self.model_id, self.precision, os.getpid()))
            return self._pool

    def map(self, batches: Iterable[list[str]]) -> Iterator[np.ndarray]:
        """The rows of each batch of already prefixed texts, in order, encoded by the workers."""
        return self._workers().imap(_encode_batch, batches)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.terminate()
                self._pool.join()
                self._pool = None
