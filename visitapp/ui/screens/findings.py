"""Findings: grouped by kind, added, edited and deleted; each linked to an area and items."""

from __future__ import annotations

from typing import Any

import flet as ft

from visitapp.domain.visit import FindingState
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.dialogs import FindingDialog, confirm_delete_finding
from visitapp.ui.layout import appbar, card, view
from visitapp.ui.widgets import (
    BODY,
    SMALL,
    button,
    heading,
    sem,
)


class FindingsScreen:
    def __init__(self, app: Any, visit_id: str) -> None:
        self.app = app
        self.visit_id = visit_id
        self.route = f"/visit/{visit_id}/findings"
        self.state = app.services.visits.load(visit_id)
        self.list = ft.ListView(expand=True, spacing=10, padding=ft.Padding.only(bottom=24))
        self.view = view(self.route, appbar(app, "Findings", self.state.title), [
            ft.Row([heading("Findings"),
                    button("add-finding", "Add finding", self._add, icon=ft.Icons.ADD,
                           primary=True)],
                   alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            self.list])
        self._fill()

    def refresh(self) -> None:
        self.state = self.app.services.visits.load(self.visit_id)
        self._fill()

    def _fill(self) -> None:
        controls: list[ft.Control] = []
        for kind, label, findings in vm.findings_by_kind(self.state.findings):
            controls.append(ft.Container(
                heading(f"{label} ({len(findings)})", 19, ident=f"group-{kind}"),
                padding=ft.Padding.only(top=8)))
            if not findings:
                controls.append(ft.Text("None yet.", size=BODY, color=theme.NHS_SECONDARY_TEXT))
            controls.extend(self._card(f) for f in findings)
        self.list.controls = controls

    def _card(self, f: FindingState) -> ft.Control:
        details = [vm.pathway_label(f.pathway)]
        if f.horizon:
            details.append(dict((c.value, c.label) for c in vm.HORIZON_CHOICES).get(f.horizon, ""))
        if f.owner:
            details.append(f"Owner: {f.owner}")
        return sem(f"finding-{f.id}", card(ft.Column(spacing=6, controls=[
            ft.Text(f.text, size=BODY, color=theme.NHS_TEXT),
            ft.Text(" · ".join(details), size=SMALL, color=theme.NHS_DARK_BLUE),
            ft.Text(vm.finding_links(self.state, f), size=SMALL, color=theme.NHS_SECONDARY_TEXT),
            ft.Row(spacing=8, controls=[
                button(f"edit-{f.id}", "Edit", lambda e, f=f: self._edit(f), icon=ft.Icons.EDIT),
                button(f"delete-{f.id}", "Delete", lambda e, f=f: self._delete(f),
                       icon=ft.Icons.DELETE_OUTLINE, danger=True)]),
        ])), label=None)

    def _add(self, e: ft.ControlEvent) -> None:
        FindingDialog(self.app, self.visit_id, self.state, on_saved=self.refresh,
                      kind="concern").open()

    def _edit(self, f: FindingState) -> None:
        FindingDialog(self.app, self.visit_id, self.state, on_saved=self.refresh,
                      finding=f).open()

    def _delete(self, f: FindingState) -> None:
        def deleted() -> None:
            self.app.mark_saved("deletion")
            self.refresh()

        confirm_delete_finding(self.app, self.visit_id, f, on_deleted=deleted)
