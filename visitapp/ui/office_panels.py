"""What the programme office sent, shown read-only: an earlier visit's actions on a
follow-up's overview, and the exemplar library's "Ideas to look for" on a checklist."""

from __future__ import annotations

from typing import Any

import flet as ft

from visitapp.domain.visit import PreviousAction, actions_summary
from visitapp.ui import theme
from visitapp.ui.layout import card
from visitapp.ui.widgets import BODY, SMALL, heading, sem

STATUS_COLOURS = {"done": theme.NHS_GREEN, "in_progress": theme.NHS_BLUE,
                  "blocked": theme.NHS_RED, "not_started": theme.NHS_SECONDARY_TEXT}


def _status_chip(action: PreviousAction) -> ft.Control:
    return ft.Container(
        ft.Text(action.status_label, size=SMALL, color=theme.WHITE, weight=ft.FontWeight.BOLD),
        bgcolor=STATUS_COLOURS.get(action.status, theme.NHS_SECONDARY_TEXT), border_radius=12,
        padding=ft.Padding.symmetric(horizontal=10, vertical=4), width=110,
        alignment=ft.Alignment.CENTER)


def previous_actions_card(actions: list[PreviousAction]) -> ft.Control | None:
    """The earlier visit's actions with the office's status, or None when there are none."""
    summary = actions_summary(actions)
    if summary is None:
        return None
    rows: list[ft.Control] = [
        sem("previous-actions-summary", heading(summary, 18)),
        ft.Text("As the programme office last recorded them (read-only).", size=SMALL,
                color=theme.NHS_SECONDARY_TEXT)]
    for a in actions:
        who = f"Owner: {a.owner}" if a.owner else "No owner named"
        when = f" · updated {a.updated}" if a.updated else ""
        rows.append(ft.Row(spacing=12, vertical_alignment=ft.CrossAxisAlignment.START,
                           controls=[_status_chip(a), ft.Column(spacing=2, expand=True, controls=[
                               ft.Text(a.text, size=BODY, color=theme.NHS_TEXT),
                               ft.Text(who + when, size=SMALL,
                                       color=theme.NHS_SECONDARY_TEXT)])]))
    return card(ft.Column(spacing=10, controls=rows))


def ideas_card(entries: list[dict[str, Any]]) -> ft.Control | None:
    """Exemplar practice found elsewhere for this kind of area, or None when none."""
    if not entries:
        return None
    rows: list[ft.Control] = [
        sem("ideas-to-look-for", heading("Ideas to look for", 18)),
        ft.Text("Exemplar practice other systems shared through the programme.", size=SMALL,
                color=theme.NHS_SECONDARY_TEXT)]
    for e in entries:
        where = e["system"] or "a system in the programme"
        rows.append(ft.Column(spacing=2, controls=[
            ft.Text(e["title"], size=BODY, weight=ft.FontWeight.W_600,
                    color=theme.NHS_DARK_BLUE),
            ft.Text(f"{where}" + (f" · ask: {e['contact_role']}" if e["contact_role"] else ""),
                    size=SMALL, color=theme.NHS_SECONDARY_TEXT)]))
    return card(ft.Column(spacing=8, controls=rows))
