"""Times are stored in UTC and shown in Europe/London time (GMT or BST as the date says)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def london(text: str | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored UTC timestamp as London local time, e.g. '27 Nov 2026 14:05'."""
    if not text:
        return ""
    return parse_utc(text).astimezone(LONDON).strftime(fmt)


def london_today(now: datetime | None = None) -> date:
    """Today's date in England: what "today" means for a visit, whatever the machine's zone.

    `now` (an aware datetime) is for callers that carry their own clock; without it the
    wall clock is read here, the one place that does so for a date.
    """
    return (now or datetime.now(UTC)).astimezone(LONDON).date()


def london_clock(now: datetime | None = None, fmt: str = "%H:%M") -> str:
    """The time of day in England now (or at `now`), for "Saved at 14:05" lines."""
    return (now or datetime.now(UTC)).astimezone(LONDON).strftime(fmt)
