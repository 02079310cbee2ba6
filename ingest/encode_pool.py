"""Passage encoding spread over worker processes with one thread each (torch or another engine).

On this 2-core machine two one-thread processes encode 37.5 passages/s together (18.5-19.2/s each) where one
two-thread process does 34-35/s (244-token passages, bf16, batches of 8; docs/bench.md): threads of one
process wait for each other at every layer, processes do not. ``telusur ingest`` uses one process per core
(``TELUSUR_ENCODE_PROCESSES``); searching and the API's ingest stay in-process.

Workers are spawned (not forked: torch's thread pools do not survive a fork), load the model themselves, and
die with their parent, also after a SIGKILL: the kernel sends them SIGKILL when it goes (``PR_SET_PDEATHSIG``),
so they print nothing (no ``BrokenPipeError`` from a half-sent result). Ctrl-C reaches the whole process
group: workers ignore SIGINT and the parent stops them. An orphan is reaped by whoever adopts it (PID 1 or a
subreaper), as for any process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Iterable, Iterator

import numpy as np

from ingest.encoder import is_default_model
from ingest.engines import Encoder, make_encoder, prepare_files
from ingest.lifeline import bind_to_parent

_worker: Encoder | None = None  # the encoder of a worker process

# After a SIGKILL of the parent, the resource tracker cleans up the pool's semaphores itself; its warning
# about "leaked semaphore objects" says nothing a user can act on.
QUIET_TRACKER = "ignore::UserWarning:multiprocessing.resource_tracker"


def _start_worker(model_id: str, precision: str, engine: str, parent: int) -> None:
    global _worker
    bind_to_parent(parent)
    _worker = make_encoder(engine, model_id, precision, threads=1)


def _encode_batch(texts: list[str]) -> np.ndarray:
    return _worker.embed(texts)


class EncoderPool:
    """``processes`` workers, each with its own copy of the model run by ``engine`` (already resolved), started
    on first use."""

    def __init__(self, model_id: str, precision: str, processes: int, engine: str = "torch"):
        self.model_id = model_id
        self.precision = precision
        self.processes = processes
        self.engine = engine
        self._pool = None
        self._lock = threading.Lock()

    def _workers(self):
        with self._lock:
            if self._pool is None:
                if is_default_model(self.model_id):  # convert once here, not in every worker at once
                    prepare_files(self.engine)
                if QUIET_TRACKER not in sys.warnoptions:  # passed on as -W to the spawned resource tracker
                    sys.warnoptions.append(QUIET_TRACKER)
                context = multiprocessing.get_context("spawn")
                self._pool = context.Pool(self.processes, initializer=_start_worker,
                                          initargs=(self.model_id, self.precision, self.engine, os.getpid()))
            return self._pool

    @property
    def started(self) -> bool:
        return self._pool is not None

    def map(self, batches: Iterable[list[str]]) -> Iterator[np.ndarray]:
        """The rows of each batch of already prefixed texts, in order, encoded by the workers."""
        return self._workers().imap(_encode_batch, batches)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.terminate()
                self._pool.join()
                self._pool = None
