"""Screens that later issues fill: the data deep dive, the discussion and the feedback.
Until then each says what will come, so nobody hunts for a missing button."""

from __future__ import annotations

from typing import Any

import flet as ft

from visitapp.ui import theme
from visitapp.ui.layout import appbar, card, view
from visitapp.ui.widgets import BODY, button, heading, sem

COMING = {
    "data": ("Data deep dive",
             "Here the team will record the indicators reviewed with the system (period, "
             "value, definition and source) and see them as tables and charts. It arrives "
             "with the data deep dive work; until then, note data reviewed in the findings."),
    "discussion": ("Discussion",
                   "Here the team will capture the challenges and barriers discussion with "
                   "system leaders. Until it arrives, add a 'Challenges and barriers "
                   "discussion' area and use its checklist."),
    "feedback": ("Feedback",
                 "Here the team will curate strengths, concerns and recommendations from the "
                 "flagged items, preview the same-day feedback and create the PDF, offline. "
                 "It arrives with the feedback report work; findings you record now will be "
                 "there."),
}


class LaterScreen:
    def __init__(self, app: Any, visit_id: str, what: str) -> None:
        title, text = COMING.get(what, ("Coming later", "This part of the app is not built yet."))
        state = app.services.visits.load(visit_id)
        self.route = f"/visit/{visit_id}/later/{what}"
        controls: list[ft.Control] = [
            heading(title),
            card(ft.Column(spacing=12, controls=[
                ft.Row([ft.Icon(ft.Icons.CONSTRUCTION, color=theme.NHS_BLUE),
                        ft.Text("Coming soon", size=18, weight=ft.FontWeight.BOLD)]),
                sem(f"later-{what}", ft.Text(text, size=BODY)),
            ])),
        ]
        if what == "discussion":
            area = next((a for a in state.areas if a.kind == "discussion"), None)
            if area is not None:
                controls.append(button(
                    "open-discussion-area", f"Open {area.label}",
                    lambda e: app.go(f"/visit/{visit_id}/area/{area.key}"),
                    icon=ft.Icons.FORUM, primary=True))
        self.view = view(self.route, appbar(app, title, state.title), controls)
