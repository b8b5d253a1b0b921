"""Run a whole process at another instant, for tests: `VISITAPP_TEST_NOW`.

A result that depends on "now" (today's date in London, the clock change, New Year, the
HLC's wall clock) must pass on every date. The suite proves it by running again with
`VISITAPP_TEST_NOW` set to an ISO instant with an offset (`2027-03-28T00:55:00+00:00`):
every clock Python reads through (`datetime.now`, `date.today`, `time.time`, `time.time_ns`)
is moved there and keeps ticking, while `time.sleep` and the monotonic clock are left
alone (libfaketime breaks `time.sleep` on Python 3.11, time-machine does not).

Each process applies the override at start-up when, and only when, the variable is set:
the test run, and the CLI, app and office processes the tests start. So that they share
one clock, the first process to apply it records the real instant it did so in
`VISITAPP_TEST_NOW_ANCHOR`; a child started later travels to the same shifted time plus
the real time elapsed since that anchor, not back to the start.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

ENV_NOW = "VISITAPP_TEST_NOW"
ENV_ANCHOR = "VISITAPP_TEST_NOW_ANCHOR"

_traveller = None


class ClockOverrideError(ValueError):
    """`VISITAPP_TEST_NOW` is set but cannot be applied."""


def parse_instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ClockOverrideError(
            f"{ENV_NOW}={text!r} is not an ISO time with an offset, "
            "e.g. 2027-03-28T00:55:00+00:00") from None
    if instant.tzinfo is None:
        raise ClockOverrideError(
            f"{ENV_NOW}={text!r} has no offset: add one, e.g. +00:00")
    return instant


def apply_from_environment() -> datetime | None:
    """Move this process's clocks to `VISITAPP_TEST_NOW` (if set); return where to."""
    global _traveller
    text = os.environ.get(ENV_NOW)
    if not text:
        return None
    instant = parse_instant(text)
    real_now = time.time()
    anchor = os.environ.get(ENV_ANCHOR)
    if anchor:
        try:
            instant += timedelta(seconds=max(0.0, real_now - float(anchor)))
        except ValueError:
            raise ClockOverrideError(f"{ENV_ANCHOR}={anchor!r} is not a number") from None
    else:
        os.environ[ENV_ANCHOR] = repr(real_now)
    try:
        import time_machine
    except ImportError:
        raise ClockOverrideError(
            f"{ENV_NOW} is set but time-machine is not installed "
            "(pip install -e '.[test]')") from None
    if _traveller is not None:
        _traveller.stop()
    _traveller = time_machine.travel(instant, tick=True)
    _traveller.start()
    return instant
