"""Hybrid logical clock: orders edits across tablets whose wall clocks disagree.

A timestamp packs wall-clock milliseconds and a logical counter into one integer
(`ms << 16 | counter`), so timestamps compare as plain ints and store in one column.
Ties between devices are broken by device id (see `wins`). Every device merges the
clocks it receives (`receive`), so an edit made after seeing a value always carries a
later timestamp than that value, however wrong the local wall clock is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

COUNTER_BITS = 16
COUNTER_MAX = (1 << COUNTER_BITS) - 1


def pack(ms: int, counter: int) -> int:
    return (ms << COUNTER_BITS) | counter


def unpack(ts: int) -> tuple[int, int]:
    return ts >> COUNTER_BITS, ts & COUNTER_MAX


def wall_ms(ts: int) -> int:
    return ts >> COUNTER_BITS


def wins(ts_a: int, device_a: str, ts_b: int, device_b: str) -> bool:
    """True when (ts_a, device_a) is later than (ts_b, device_b): last writer wins."""
    return (ts_a, device_a) > (ts_b, device_b)


def system_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Clock:
    """One device's clock. `now_ms` is injectable so tests can skew it."""

    last: int = 0
    now_ms: Callable[[], int] = field(default=system_ms, repr=False)

    def tick(self) -> int:
        """A timestamp for a local event, later than every one seen so far."""
        ms, counter = unpack(self.last)
        now = self.now_ms()
        self.last = pack(now, 0) if now > ms else _bump(ms, counter)
        return self.last

    def receive(self, remote: int) -> int:
        """Merge a timestamp seen from elsewhere, so later local events come after it."""
        if remote > self.last:
            self.last = remote
        return self.last


def _bump(ms: int, counter: int) -> int:
    if counter >= COUNTER_MAX:
        return pack(ms + 1, 0)
    return pack(ms, counter + 1)
