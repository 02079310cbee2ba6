"""An optional per-client rate limit for the JSON API (setting ``rate_limit``, e.g. ``60/minute``; off when empty).

A token bucket per client address, in this process's memory: each client may send ``N`` requests at once and
then one every ``period / N`` seconds. Over the limit: 429 with ``Retry-After`` (whole seconds). Several
gunicorn workers each keep their own buckets, so there the limit is per worker.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
SPEC = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour)\s*$")
MAX_CLIENTS = 10_000  # buckets kept; full ones are forgotten first when there are more


class BadLimit(ValueError):
    """A ``rate_limit`` setting that is not ``N/second``, ``N/minute`` or ``N/hour``."""


@dataclass
class RateLimiter:
    """``allow(client)`` spends one token of the client's bucket, or says how long to wait for one."""

    capacity: int
    period: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # client -> (tokens, when)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def parse(cls, spec: str) -> RateLimiter | None:
        """``"60/minute"`` → a limiter; empty or ``off`` → None."""
        if not spec.strip() or spec.strip().lower() == "off":
            return None
        m = SPEC.match(spec.lower())
        if not m or int(m.group(1)) < 1:
            raise BadLimit(f"rate_limit {spec!r}: expected N/second, N/minute or N/hour with N ≥ 1, or off")
        return cls(int(m.group(1)), PERIODS[m.group(2)])

    def allow(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds until the client's next token."""
        rate = self.capacity / self.period
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(client, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - then) * rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                self._forget(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / rate

    def _forget(self, now: float) -> None:
        """Drop buckets that have refilled (they hold no state) once there are too many clients."""
        if len(self._buckets) <= MAX_CLIENTS:
            return
        rate = self.capacity / self.period
        full = [c for c, (t, then) in self._buckets.items() if t + (now - then) * rate >= self.capacity]
        for client in full or list(self._buckets)[: len(self._buckets) - MAX_CLIENTS]:
            del self._buckets[client]


def retry_after(seconds: float) -> str:
    """The ``Retry-After`` header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
