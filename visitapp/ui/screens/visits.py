"""Visits on this tablet: open one, or start a new one."""

from __future__ import annotations

from typing import Any

import flet as ft

from visitapp.ui import viewmodels as vm
from visitapp.ui.screens.common import appbar, card, view
from visitapp.ui.widgets import BODY, button, heading


class VisitsScreen:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.list = ft.ListView(expand=True, spacing=12, padding=ft.Padding.only(bottom=24))
        self.view = view("/", appbar(app, "Peer visits on this tablet"), [
            ft.Row([heading("Visits"),
                    button("new-visit", "Start a new visit", lambda e: app.go("/new"),
                           icon=ft.Icons.ADD, primary=True)],
                   alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            self.list,
        ])
        self.refresh()

    def refresh(self) -> None:
        visits = self.app.services.visits
        rows = visits.list_visits()
        controls: list[ft.Control] = []
        for row in rows:
            state = visits.load(row["id"])
            p = state.progress()
            where = " · ".join(x for x in (state.trust, state.site) if x)
            text = ft.Column(spacing=4, expand=True, controls=[
                ft.Text(state.title, size=18, weight=ft.FontWeight.BOLD,
                        color=vm.NHS_DARK_BLUE),
                ft.Text(where, size=BODY, color=vm.NHS_TEXT, visible=bool(where)),
                ft.Text(f"{state.date} · {vm.visit_type_label(state.visit_type)} · "
                        f"{len(state.areas)} areas · {p.answered} of {p.visible} answered",
                        size=BODY, color=vm.NHS_TEXT),
                ft.Text("Not synced yet (sync is not set up on this tablet)", size=14,
                        color=vm.NHS_MID_GREY),
            ])
            body = card(ft.Row([text, ft.Icon(ft.Icons.CHEVRON_RIGHT, color=vm.NHS_BLUE)]),
                        on_click=lambda e, vid=row["id"]: self.app.go(f"/visit/{vid}"))
            controls.append(ft.Semantics(
                identifier=f"visit-{row['id']}", button=True, container=True,
                label=f"Open visit: {state.title}, {state.date}", content=body))
        if not controls:
            controls.append(ft.Text("No visits on this tablet yet. Start a new visit.",
                                    size=BODY))
        self.list.controls = controls
