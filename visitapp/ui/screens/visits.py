"""Visits on this tablet: open one, or start a new one."""

from __future__ import annotations

from typing import Any

import flet as ft

from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.available import AvailableSection
from visitapp.ui.layout import appbar, card, view
from visitapp.ui.widgets import BODY, SMALL, button, heading, sem


class VisitsScreen:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.list = ft.ListView(expand=True, spacing=12, padding=ft.Padding.only(bottom=24))
        self.sync_lines = ft.Column(spacing=2)
        self.sync_button = button("sync-now", "Sync now", lambda e: self._sync_now(),
                                  icon=ft.Icons.SYNC)
        self.sync_card = card(ft.Row(spacing=12, controls=[
            ft.Icon(ft.Icons.CLOUD_SYNC, color=theme.NHS_BLUE),
            ft.Container(sem("sync-status", self.sync_lines), expand=True),
            self.sync_button]))
        self.sync_card.padding = ft.Padding.symmetric(horizontal=16, vertical=10)
        self.limit = vm.PAGE  # visits shown; "Show more" adds a page
        self.available = AvailableSection(app, on_fetched=self.refresh)
        self.view = view("/", appbar(app, "Peer visits on this tablet", back=False), [
            self.sync_card,
            self.available.control,
            ft.Row([heading("Visits"),
                    button("new-visit", "Start a new visit", lambda e: app.go("/new"),
                           icon=ft.Icons.ADD, primary=True)],
                   alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            self.list,
        ])
        self.refresh()

    def sync_changed(self, status: object) -> list[ft.Control]:
        """A sync finished (from App): show the new status; the controls to send."""
        self._show_sync()
        self.refresh()
        return [self.sync_card, self.list]

    def _sync_now(self) -> None:
        self.app.sync_now()
        self.sync_lines.controls = [ft.Text("Syncing…", size=BODY)]

    def _show_sync(self) -> None:
        status = self.app.sync_status
        self.sync_lines.controls = [ft.Text(line, size=BODY if i == 0 else SMALL,
                                            color=theme.NHS_TEXT)
                                    for i, line in enumerate(vm.sync_status_lines(status))]
        self.sync_button.visible = status.enrolled

    def refresh(self) -> None:
        self.app.sync_status = self.app.services.sync.status()  # a quick count
        self._show_sync()
        page = vm.visit_rows(self.app.services, self.app.sync_status.enrolled,
                             self.app.prefs.last_position, limit=self.limit)
        self.available.refresh(self.app.sync_status.enrolled)
        controls: list[ft.Control] = []
        for row in page.rows:
            text = ft.Column(spacing=4, expand=True, controls=[
                ft.Text(row.title, size=18, weight=ft.FontWeight.BOLD,
                        color=theme.NHS_DARK_BLUE),
                ft.Text(row.where, size=BODY, color=theme.NHS_TEXT, visible=bool(row.where)),
                ft.Text(row.detail, size=BODY, color=theme.NHS_TEXT),
                sem(f"visit-sync-{row.id}", ft.Text(row.sync_text, size=14,
                                                    color=theme.NHS_SECONDARY_TEXT)),
            ])
            body = card(ft.Row([text, ft.Icon(ft.Icons.CHEVRON_RIGHT, color=theme.NHS_BLUE)]),
                        on_click=lambda e, vid=row.id: self.app.go(f"/visit/{vid}"))
            controls.append(ft.Semantics(
                identifier=f"visit-{row.id}", button=True, container=True,
                label=f"Open visit: {row.title}, {row.date}", content=body))
            if row.resume is not None:
                controls.append(ft.Row([button(
                    f"continue-{row.id}", row.resume.label,
                    lambda e, r=row.resume.route(row.id): self.app.go(r),
                    icon=ft.Icons.PLAY_ARROW, primary=True)],
                    alignment=ft.MainAxisAlignment.END))
        if not controls:
            controls.append(ft.Text("No visits on this tablet yet. Start a new visit.",
                                    size=BODY))
        more = page.more_label()
        if more is not None:
            controls.append(ft.Row([button("more-visits", more, lambda e: self._show_more(),
                                           icon=ft.Icons.EXPAND_MORE)],
                                   alignment=ft.MainAxisAlignment.CENTER))
        self.list.controls = controls

    def _show_more(self) -> None:
        self.limit += vm.PAGE
        self.refresh()
