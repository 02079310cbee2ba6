"""Recognising a full disk in the errors of SQLite, Chroma and the file system, to report it in one line."""

from __future__ import annotations

import errno

MESSAGES = ("database or disk is full", "no space left on device", "disk quota exceeded")


def is_disk_full(err: BaseException | None) -> bool:
    """Is ``err`` (or an error it was raised from) a full disk or an exhausted quota?"""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(m in str(err).lower() for m in MESSAGES):
            return True
        err = err.__cause__ or err.__context__
    return False


def disk_full_line(directory: object, err: BaseException) -> str:
    """The one line printed when a write to the index at ``directory`` ran out of space."""
    reason = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
    return (f"error: the disk holding {directory} is full ({reason}); what was committed before is kept, "
            f"nothing half-written is visible; free space and run the same command again")
