"""Stage markers of a writer, for crash testing: with ``TELUSUR_STAGES=FILE`` set, each stage a writer enters
(reading, embedding, Chroma write, ledger commit, prune, BM25 rebuild, vector-table rebuild, publish) is
appended to FILE as one line, unbuffered, so a test that stops the process knows where it stopped.

Not a setting (like ``TELUSUR_BATCH``): a hook for ``scripts/crash_campaign.py`` and its test; unset, it costs
one dictionary lookup per stage.
"""

from __future__ import annotations

import os

ENV = "TELUSUR_STAGES"
_fd: int | None = None


def mark(stage: str) -> None:
    """Append ``stage`` to the markers file, if one is set."""
    global _fd
    path = os.environ.get(ENV)
    if not path:
        return
    if _fd is None:
        _fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(_fd, f"{stage}\n".encode())
