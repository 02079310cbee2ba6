"""Documents read in a worker process that is killed when the per-file time limit (``file_seconds``) passes.

A library call that does not return (PDFium, zlib, an image decoder stuck on a pathological file) cannot be
cut from Python: a ``signal.setitimer`` handler runs only once the C call returns (docs/documents.md has the
measurements). So ``telusur ingest`` reads documents (PDF, Office files, images) in one separate process,
reused from file to file, and kills it (with its Tesseract processes: it leads its own process group) when a
file's limit passes; the file gets one line, a new worker reads the next file. A worker that dies while
reading (a crash in a C library) costs that file one line too. News pages, text exports and dumps are read in
the ingest's own process.

Runnable only as the worker: ``python -m ingest.formats.worker FD PARENT_PID`` (started by ``DocumentWorker``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.article import Article, SkipInput
from ingest.formats import Format
from ingest.formats.base import ReadOptions

READY, PAGE, DONE = "ready", "page", "done"  # the worker's messages: started; a page read; the file read
START_SECONDS = 60  # a worker that is not ready by then is an error (the ingest stops with it)


class DocumentWorker:
    """Reads documents in a worker process started on first use and killed at each file's time limit."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._connection: Connection | None = None

    def __enter__(self) -> DocumentWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, path: Path, fmt: Format, options: ReadOptions,
             on_page: Callable[[], None] | None = None) -> list[Article | SkipInput]:
        """What ``read_articles(path, fmt, options)`` yields, read in the worker; one SkipInput when the file
        outlasts ``options.seconds_per_file`` (counted from ``options.started``) or the worker dies on it.
        ``on_page`` is called as the worker reads each page of a long document (PDF)."""
        started = options.started
        if self._process is None:
            self._start()
            started = max(started, time.monotonic())  # starting the worker is not the file's time
        deadline = started + options.seconds_per_file
        try:
            self._connection.send((path, fmt, replace(options, started=started, on_page=None)))
            while self._connection.poll(max(0.0, deadline - time.monotonic())):
                kind, payload = self._connection.recv()
                if kind == DONE:
                    return payload
                if on_page is not None:
                    on_page()
        except (EOFError, OSError):  # the worker's end of the socket closed: it died
            try:
                status = _status(self._process.wait(timeout=10))
            except subprocess.TimeoutExpired:
                status = "its socket closed"
            self.close()
            return [SkipInput(f"{path}: the document reader process died while reading it ({status})")]
        self.close()
        return [SkipInput(f"{path}: took longer than the per-file limit of {options.seconds_per_file:.0f} s")]

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "ingest.formats.worker", str(theirs.fileno()), str(os.getpid())],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            start_new_session=True)
        theirs.close()
        self._connection = Connection(ours.detach())
        if not self._connection.poll(START_SECONDS) or self._connection.recv() != (READY, None):
            self.close()
            raise RuntimeError(f"the document reader process did not start within {START_SECONDS} s")

    def close(self) -> None:
        """Kill the worker and its children (if it runs) and forget it; the next ``read`` starts a new one."""
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):  # it had exited already
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
            self._process = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _status(code: int) -> str:
    """A process's exit status in words: "killed by SIGSEGV", "exit status 3"."""
    return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"


def serve(connection: Connection) -> None:
    """The worker's loop: read each (path, format, options) received, tell each page read, send back what
    was read."""
    from ingest.formats.reading import read_articles

    def page() -> None:
        connection.send((PAGE, None))

    connection.send((READY, None))
    while True:
        try:
            path, fmt, options = connection.recv()
        except EOFError:
            return  # the ingest is done
        connection.send((DONE, list(read_articles(path, fmt, replace(options, on_page=page)))))


if __name__ == "__main__":
    from ingest.lifeline import bind_to_parent

    bind_to_parent(int(sys.argv[2]))
    serve(Connection(int(sys.argv[1])))
