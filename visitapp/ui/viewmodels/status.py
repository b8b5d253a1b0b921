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
        # Before enrolment nothing can be sent, and that is fine: said calmly, no count.
        return "Kept on this tablet"
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
        return (f"Sync is not set up yet: {count_words(status.pending, 'change')} kept "
                "safely on this tablet")
    return " ".join(sync_status_lines(status))


def sync_status_lines(status: Any) -> list[str]:
    """Everything about sync in words, for the sync card on the visits screen."""
    if not status.enrolled:
        return ["This tablet is not enrolled with the programme office yet, so visits are "
                "kept on this tablet. To share them with the team, ask the programme office "
                "for a token.",
                f"Changes kept on this tablet: {status.pending}."]
    lines = [f"Programme office: {status.server_url}",
             f"Changes waiting to be sent: {status.pending}.",
             f"Last sync: {_hhmm(status.last_sync_at)}."]
    if status.rejected:
        lines.append(f"Refused by the programme office: {len(status.rejected)}.")
    if getattr(status, "set_aside_line", None):
        lines.append(f"{status.set_aside_line[0].upper()}{status.set_aside_line[1:]}.")
    if status.last_error:
        lines.append(f"Last problem: {status.last_error}.")
    if status.clock_warning:
        lines.append(f"Warning: {status.clock_warning}.")
    return lines


def visit_sync_text(pending: int, enrolled: bool, demo: bool = False) -> str:
    if not enrolled and demo:
        return "Demo visit: kept on this tablet"  # once enrolled, it syncs like any visit
    if pending == 0:
        return "All changes sent to the programme office" if enrolled else "No changes kept"
    if not enrolled:
        return f"{count_words(pending, 'change')} kept on this tablet (sync not set up yet)"
    return f"{count_words(pending, 'change')} waiting to sync"


def is_demo(state: Any) -> bool:
    """The demo visit made on first run (its system name says so)."""
    return "(demo)" in (state.system or "")
