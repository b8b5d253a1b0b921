"""Findings: grouped by kind, added, edited and deleted; each linked to an area and items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from visitapp.domain.visit import FindingState, VisitState
from visitapp.errors import UserError
from visitapp.ui import viewmodels as vm
from visitapp.ui.screens.common import appbar, card, save_from_dialog, view
from visitapp.ui.widgets import (
    BODY,
    SMALL,
    ChoiceGroup,
    PrivacyWarning,
    button,
    heading,
    sem,
    wide,
)


class FindingDialog:
    """Add or edit one finding; the privacy guard speaks inline before anything is stored."""

    def __init__(self, app: Any, visit_id: str, state: VisitState, *,
                 on_saved: Callable[[], None], finding: FindingState | None = None,
                 kind: str = "strength", text: str = "", pathway: str | None = None,
                 area_key: str | None = None, item_ids: Sequence[str] = ()) -> None:
        self.app = app
        self.visit_id = visit_id
        self.finding = finding
        self.on_saved = on_saved
        if finding is not None:
            kind, text, pathway = finding.kind, finding.text, finding.pathway
            area_key, item_ids = finding.area_key, finding.item_ids
        self.values: dict[str, Any] = {"kind": kind, "pathway": pathway, "area_key": area_key,
                                       "horizon": finding.horizon if finding else None}
        self.item_ids = list(item_ids)
        self.text = ft.TextField(label="What the team found (no patient details)", value=text,
                                 multiline=True, min_lines=2, max_lines=6, text_size=BODY,
                                 on_change=lambda e: self.warning.hide())
        self.owner = ft.TextField(label="Owner (a role, like Chief nurse)",
                                  value=(finding.owner if finding else "") or "",
                                  text_size=BODY, on_change=lambda e: None)
        self.kind = ChoiceGroup("finding-kind", vm.FINDING_KIND_CHOICES, kind,
                                lambda v: self._set("kind", v), label="Kind")
        self.pathway = ChoiceGroup("finding-pathway", vm.PATHWAY_CHOICES, pathway,
                                   lambda v: self._set("pathway", v, toggle=True),
                                   label="Pathway")
        self.horizon = ChoiceGroup("finding-horizon", vm.HORIZON_CHOICES, self.values["horizon"],
                                   lambda v: self._set("horizon", v, toggle=True),
                                   label="Horizon")
        area_choices = [vm.Choice("", "Whole visit")] + vm.area_choices(state)
        self.area = ChoiceGroup("finding-area", area_choices, area_key or "",
                                lambda v: self._set("area_key", v or None), label="Area")
        self.recommendation = ft.Column(spacing=8, controls=[
            ft.Text("Quick win or longer term", size=BODY, weight=ft.FontWeight.W_600),
            self.horizon, wide(sem("finding-owner", self.owner))])
        self.links = ft.Text(vm.finding_links(state, FindingState(
            id="", kind=kind, text=text, area_key=area_key, item_ids=list(item_ids))),
            size=SMALL, color=vm.NHS_MID_GREY)
        self.warning = PrivacyWarning("finding-warn", lambda: self._save(confirmed=True))
        self.error = ft.Text("", color=vm.NHS_RED, size=BODY, visible=False)
        self._show_recommendation()

    def _label(self, text: str) -> ft.Text:
        return ft.Text(text, size=BODY, weight=ft.FontWeight.W_600)

    def _set(self, name: str, value: str | None, toggle: bool = False) -> None:
        if toggle and self.values.get(name) == value:
            value = None
        self.values[name] = value
        group = {"kind": self.kind, "pathway": self.pathway, "horizon": self.horizon,
                 "area_key": self.area}[name]
        group.show(value if name != "area_key" else (value or ""))
        if name == "area_key":
            self.item_ids = []
            self.links.value = "Linked to the area only" if value else "Whole visit"
        self._show_recommendation()

    def _show_recommendation(self) -> None:
        self.recommendation.visible = self.values["kind"] == "recommendation"

    def open(self) -> None:
        title = "Edit finding" if self.finding else "Add a finding"
        content = ft.Column(tight=True, scroll=ft.ScrollMode.AUTO, spacing=10, controls=[
            self._label("Kind"), self.kind,
            wide(sem("finding-text", self.text)), self.warning,
            self._label("Pathway"), self.pathway,
            self.recommendation,
            self._label("Area"), self.area, sem("finding-links", self.links),
            self.error,
        ])
        self.app.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(title, color=vm.NHS_DARK_BLUE),
            content=ft.Container(content, width=680, height=520),
            actions=[button("finding-cancel", "Cancel", lambda e: self.app.page.pop_dialog()),
                     button("finding-save", "Save finding", lambda e: self._save(),
                            primary=True)]))

    def _save(self, confirmed: bool = False) -> None:
        visits = self.app.services.visits
        v = self.values
        rec = v["kind"] == "recommendation"
        fields = dict(kind=v["kind"], text=self.text.value or "", pathway=v["pathway"],
                      horizon=v["horizon"] if rec else None,
                      owner=(self.owner.value or None) if rec else None)
        author = self.app.author(self.visit_id)

        def save() -> None:
            if self.finding is None:
                visits.add_finding(self.visit_id, area_key=v["area_key"],
                                   item_ids=self.item_ids, author=author,
                                   confirmed=confirmed, **fields)
            else:
                visits.edit_finding(self.visit_id, self.finding.id, author=author,
                                    confirmed=confirmed, area_key=v["area_key"],
                                    item_ids=self.item_ids, **fields)

        save_from_dialog(self.app, save, warning=self.warning, error=self.error,
                         not_done="Not saved", saved_what="finding", on_done=self.on_saved)


def confirm_delete_finding(app: Any, visit_id: str, finding: FindingState,
                           on_deleted: Callable[[], None]) -> None:
    """Ask before deleting a finding (the deletion is an op: it syncs like any change)."""
    def yes(e: ft.ControlEvent) -> None:
        app.page.pop_dialog()
        try:
            app.services.visits.delete_finding(visit_id, finding.id,
                                               author=app.author(visit_id))
        except UserError as err:
            app.problem(err)
            return
        on_deleted()
        app.page.update()

    app.page.show_dialog(ft.AlertDialog(
        modal=True, title=ft.Text("Delete this finding?"),
        content=ft.Text(finding.text, size=BODY),
        actions=[button("delete-cancel", "Keep it", lambda e: app.page.pop_dialog()),
                 button("delete-confirm", "Delete", yes, primary=True, danger=True)]))


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
                controls.append(ft.Text("None yet.", size=BODY, color=vm.NHS_MID_GREY))
            controls.extend(self._card(f) for f in findings)
        self.list.controls = controls

    def _card(self, f: FindingState) -> ft.Control:
        details = [vm.pathway_label(f.pathway)]
        if f.horizon:
            details.append(dict((c.value, c.label) for c in vm.HORIZON_CHOICES).get(f.horizon, ""))
        if f.owner:
            details.append(f"Owner: {f.owner}")
        return sem(f"finding-{f.id}", card(ft.Column(spacing=6, controls=[
            ft.Text(f.text, size=BODY, color=vm.NHS_TEXT),
            ft.Text(" · ".join(details), size=SMALL, color=vm.NHS_DARK_BLUE),
            ft.Text(vm.finding_links(self.state, f), size=SMALL, color=vm.NHS_MID_GREY),
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
