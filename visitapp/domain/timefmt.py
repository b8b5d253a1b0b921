"""Times are stored in UTC and shown in Europe/London time (GMT or BST as the date says)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def london(text: str | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A stored UTC timestamp as London local time, e.g. '27 Nov 2026 14:05'."""
    if not text:
        return ""
    return parse_utc(text).astimezone(LONDON).strftime(fmt)
