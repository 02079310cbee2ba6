"""Worker processes that die with their parent (encoder workers, the document reader's worker).

A worker calls ``bind_to_parent`` first: it ignores SIGINT (Ctrl-C reaches the whole process group; the
parent stops its workers) and asks Linux to SIGKILL it when the parent dies (``PR_SET_PDEATHSIG``), also
after a SIGKILL of the parent; where that is not available a thread watches the parent instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1


def bind_to_parent(parent: int) -> None:
    """Ignore SIGINT and die with process ``parent`` (exit now if it is already gone)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not die_with_parent():
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(0)


def die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is not available."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
