"""The visits list's "At the programme office" section: the team's visits this tablet
does not hold (finished ones, mostly), each with a Fetch button (issue 15).

Asking the office takes a connection, so nothing is asked until the user presses "Show";
the call and a fetch run on a thread (`page.run_thread`) and the answer is shown back on
the session's loop (`page.run_task`), so the screen never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from visitapp.ui import theme
from visitapp.ui.layout import card
from visitapp.ui.widgets import BODY, SMALL, button, sem


class AvailableSection:
    def __init__(self, app: Any, on_fetched: Callable[[], None]) -> None:
        self.app = app
        self.on_fetched = on_fetched
        self.rows = ft.Column(spacing=8)
        self.row_of: dict[str, ft.Control] = {}
        self.note = ft.Text("", size=SMALL, color=theme.NHS_SECONDARY_TEXT, visible=False)
        self.control = card(ft.Column(spacing=8, controls=[
            ft.Row([ft.Text("At the programme office", size=18, weight=ft.FontWeight.BOLD,
                            color=theme.NHS_DARK_BLUE),
                    button("show-available", "Show visits", lambda e: self._ask(),
                           icon=ft.Icons.CLOUD_DOWNLOAD)],
                   alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            sem("available-note", self.note), self.rows]))
        self.control.visible = False  # shown once the tablet is enrolled (`refresh`)

    def refresh(self, enrolled: bool) -> None:
        self.control.visible = enrolled

    def _say(self, text: str) -> None:
        self.note.value = text
        self.note.visible = True

    def _ask(self) -> None:
        self._say("Asking the programme office…")
        self.app.page.run_thread(self._load)

    def _load(self) -> None:
        try:
            rows, problem = self.app.services.sync.available(), None
        except Exception as err:  # noqa: BLE001 - said in words, never a dead screen
            rows, problem = [], str(err)
        self.app.page.run_task(self._show, rows, problem)

    async def _show(self, rows: list[dict[str, Any]], problem: str | None) -> None:
        self.show(rows, problem)
        self.app.page.update(self.control)

    def show(self, rows: list[dict[str, Any]], problem: str | None = None) -> None:
        """The office's answer: a line per visit with its Fetch button, or why not."""
        if problem:
            self._say(f"Could not ask the programme office: {problem}")
        elif not rows:
            self._say("Every visit of your team is on this tablet.")
        else:
            self._say(f"{len(rows)} visit(s) of your team not on this tablet:")
        self.row_of = {r["id"]: self._row(r) for r in rows}
        self.rows.controls = list(self.row_of.values())

    def _row(self, r: dict[str, Any]) -> ft.Control:
        words = " · ".join(x for x in (r.get("system"), r.get("date"),
                                       _status_words(r.get("status"))) if x)
        return ft.Row(controls=[
            ft.Text(words or r["id"][:8], size=BODY, color=theme.NHS_TEXT, expand=True),
            button(f"fetch-{r['id']}", "Fetch", lambda e, vid=r["id"]: self._fetch(vid),
                   icon=ft.Icons.DOWNLOAD)])

    def _fetch(self, visit_id: str) -> None:
        self._say("Fetching the visit…")
        self.app.page.run_thread(self._fetch_now, visit_id)

    def _fetch_now(self, visit_id: str) -> None:
        try:
            self.app.services.sync.fetch(visit_id)
            problem = None
        except Exception as err:  # noqa: BLE001
            problem = str(err)
        self.app.page.run_task(self._fetched, visit_id, problem)

    async def _fetched(self, visit_id: str, problem: str | None) -> None:
        if problem:
            self._say(f"Could not fetch the visit: {problem}")
        else:
            gone = self.row_of.pop(visit_id, None)
            self.rows.controls = [c for c in self.rows.controls if c is not gone]
            self._say("Fetched: it is in your visits now.")
            self.on_fetched()
        self.app.page.update()


def _status_words(status: str | None) -> str | None:
    return {"planned": "scheduled", "in_progress": "in progress",
            "feedback_given": "finished (feedback given)", "closed": "finished"}.get(
                status or "", status)
