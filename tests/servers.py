"""Helpers to run real server processes on loopback for tests (bounded waits, always stopped)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from search_app.tools.bench_serve import stop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def running(cmd: list[str], url: str, *, env: dict[str, str] | None = None, log: Path | None = None,
            timeout: float = 90.0) -> Iterator[subprocess.Popen]:
    """Start ``cmd``, wait until ``url`` answers, yield the process, then terminate it."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_http(url, timeout)
        yield proc
    finally:
        stop(proc, timeout=15)
        if log:
            out.close()


def telusur(*args: str) -> list[str]:
    return [sys.executable, "-m", "search_app.cli", *args]


@contextlib.contextmanager
def chroma_server(path: Path, log: Path | None = None) -> Iterator[tuple[str, int]]:
    """A real ``chroma run`` server on 127.0.0.1 with its data in ``path``."""
    port = free_port()
    with running(["chroma", "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                 f"http://127.0.0.1:{port}/api/v2/heartbeat", log=log):
        yield "127.0.0.1", port
