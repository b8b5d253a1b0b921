"""The status line and the visits screen's sync card: sync in words."""

from __future__ import annotations

from typing import Any

from visitapp.ui.viewmodels.common import (
    count_words,
)


def _hhmm(iso: str | None) -> str:
    if not iso:
        return "never"
    from visitapp.domain.timefmt import london

    try:
        return london(iso, "%d %b %H:%M")
    except ValueError:
        return iso


def sync_status_short(status: Any) -> str:
    """The status line's sync part: short enough for the app bar, in words."""
    changes = count_words(status.pending, "change")
    if not status.enrolled:
        return f"{changes} not synced"
    text = (f"{changes} to sync" if status.pending else "All sent") + \
        f" · last sync {_hhmm(status.last_sync_at)}"
    if status.last_error:
        text += " · sync problem"
    if status.clock_warning:
        text += " · check the clock"
    return text


def sync_status_label(status: Any) -> str:
    """The status line's sync part in full, for a screen reader."""
    if not status.enrolled:
        return (f"Sync is not set up: {count_words(status.pending, 'change')} kept on this "
                "tablet only")
    return " ".join(sync_status_lines(status))


def sync_status_lines(status: Any) -> list[str]:
    """Everything about sync in words, for the sync card on the visits screen."""
    if not status.enrolled:
        return ["This tablet is not enrolled with the programme office, so nothing is "
                "sent yet. Ask the programme office for a token.",
                f"Changes kept on this tablet only: {status.pending}."]
    lines = [f"Programme office: {status.server_url}",
             f"Changes waiting to be sent: {status.pending}.",
             f"Last sync: {_hhmm(status.last_sync_at)}."]
    if status.rejected:
        lines.append(f"Refused by the programme office: {len(status.rejected)}.")
    if status.last_error:
        lines.append(f"Last problem: {status.last_error}.")
    if status.clock_warning:
        lines.append(f"Warning: {status.clock_warning}.")
    return lines


def visit_sync_text(pending: int, enrolled: bool) -> str:
    if pending == 0:
        return "All changes sent to the programme office" if enrolled else "No changes kept"
    if not enrolled:
        return f"{count_words(pending, 'change')} on this tablet only (sync not set up)"
    return f"{count_words(pending, 'change')} waiting to sync"
