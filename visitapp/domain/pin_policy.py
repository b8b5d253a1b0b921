"""What a PIN must be, and how long a try must wait after wrong ones (plain rules, no I/O).

Five wrong PINs in a row are free; after that each further try waits longer: 30 s after
the fifth, 60 s after the sixth, doubling (capped at a day so the number stays sane).
Nothing is ever deleted for wrong tries: a team member who fumbles the PIN on a ward
must not lose a day's visit.
"""

from __future__ import annotations

from visitapp.errors import BadPin

MIN_DIGITS = 6
FREE_TRIES = 5
FIRST_WAIT_S = 30.0
MAX_WAIT_S = 24 * 3600.0


def check_pin_format(pin: str) -> str:
    """The PIN if it is six or more digits; `BadPin` otherwise."""
    if not pin.isascii() or not pin.isdigit() or len(pin) < MIN_DIGITS:
        raise BadPin(f"the PIN must be {MIN_DIGITS} or more digits (0-9), nothing else")
    return pin


def wait_after(failures: int) -> float:
    """Seconds the next try must wait after `failures` wrong PINs in a row."""
    if failures < FREE_TRIES:
        return 0.0
    return min(FIRST_WAIT_S * 2.0 ** (failures - FREE_TRIES), MAX_WAIT_S)


def seconds_to_wait(failures: int, last_failure_at: float | None, now: float) -> float:
    """How long from `now` until a try is allowed. A clock set back cannot make the wait
    longer than the full wait (nor shorter: the wait restarts from the earlier stamp)."""
    wait = wait_after(failures)
    if wait == 0.0 or last_failure_at is None:
        return 0.0
    return max(0.0, min(wait, last_failure_at + wait - now))
