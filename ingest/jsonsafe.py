"""JSON parsing with a nesting limit checked before parsing (json.loads recurses and fails near depth 1,000).

Used for API bodies (POST /api/documents) and JSON Lines dumps: a document nested deeper than
``MAX_DEPTH`` is refused with a clear message, never a ``RecursionError``.
"""

from __future__ import annotations

import json
import re

import numpy as np

MAX_DEPTH = 64  # an article object is depth 1 (2 inside a list); metadata values may nest a little
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # a JSON string, escapes included
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def nesting_depth(text: str | bytes) -> int:
    """The deepest nesting of ``[``/``{`` outside strings (no recursion: a running sum over the bytes)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if b"[" not in raw and b"{" not in raw:
        return 0
    outside = _STRING.sub(b'""', raw)
    steps = _OPEN[np.frombuffer(outside, dtype=np.uint8)]
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


class TooDeep(ValueError):
    """A JSON document nested deeper than the limit."""


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> object:
    """``json.loads`` that refuses documents nested deeper than ``max_depth`` (raises ``TooDeep``)."""
    depth = nesting_depth(text)
    if depth > max_depth:
        raise TooDeep(f"JSON nested {depth} levels deep (at most {max_depth})")
    return json.loads(text)
