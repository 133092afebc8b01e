"""Hybrid logical clock: wall-clock milliseconds plus a counter, packed into one integer."""

from __future__ import annotations

import threading
import time

COUNTER_BITS = 16


def pack(ms: int, counter: int) -> int:
    return (ms << COUNTER_BITS) | counter


def wall_ms(value: int) -> int:
    return value >> COUNTER_BITS


class HybridClock:
    """Monotone across calls and restarts (seeded with the highest value seen in the store)."""

    def __init__(self, last: int = 0, now_ms=None):
        self._last = last
        self._now_ms = now_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()

    def now(self) -> int:
        with self._lock:
            ms = self._now_ms()
            last_ms, last_counter = self._last >> COUNTER_BITS, self._last & 0xFFFF
            if ms > last_ms:
                self._last = pack(ms, 0)
            else:
                self._last = pack(last_ms, last_counter + 1)
            return self._last

    def observe(self, remote: int) -> None:
        """Move past a value received from another workstation."""
        with self._lock:
            if remote > self._last:
                self._last = remote

    @property
    def last(self) -> int:
        return self._last
