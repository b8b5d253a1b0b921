"""Conflicts from sync, on the visit overview: two team members gave different values to
the same thing without seeing each other's. Each shows where it is, every competing value
and who gave it; the team settles it by choosing one or writing another (a new op)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from visitapp.domain.privacy import find_patient_data
from visitapp.domain.timefmt import london
from visitapp.domain.values import parse_value
from visitapp.domain.visit import VisitState
from visitapp.errors import UserError
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.layout import card
from visitapp.ui.widgets import BODY, SMALL, button, heading, sem


class ConflictsSection:
    """A card listing the visit's open conflicts; hidden when there are none."""

    def __init__(self, app: Any, visit_id: str, on_resolved: Callable[[], None]) -> None:
        self.app = app
        self.visit_id = visit_id
        self.on_resolved = on_resolved
        self.items = ft.Column(spacing=12)
        self.title = heading("Conflicts to settle", 20, ident="conflicts-title")
        self.control = card(ft.Column(spacing=10, controls=[
            ft.Row([ft.Icon(ft.Icons.CALL_SPLIT, color=theme.NHS_RED), self.title]),
            ft.Text("Two team members recorded different values for the same thing "
                    "without seeing each other's. Choose the right one, or write another.",
                    size=BODY),
            self.items]), visible=False)
        self.control.border = ft.Border.all(2, theme.NHS_RED)
        self.writing: dict[int, ft.TextField] = {}

    def fill(self, state: VisitState) -> None:
        try:
            conflicts = self.app.services.sync.conflicts(self.visit_id)
        except UserError:
            conflicts = []
        self.control.visible = bool(conflicts)
        self.title.content.value = f"Conflicts to settle ({len(conflicts)})"
        self.writing = {}
        self.items.controls = [self._conflict(state, n, c) for n, c in enumerate(conflicts)]

    def _value_row(self, ident: str, text: str, made: dict[str, Any], action: str,
                   on_click: Callable[..., Any]) -> ft.Control:
        who = made.get("by") or "someone (name not recorded)"
        when = london(made.get("at")) if made.get("at") else ""
        return sem(ident, ft.Row(spacing=10, wrap=True,
                                 vertical_alignment=ft.CrossAxisAlignment.CENTER, controls=[
            ft.Container(ft.Text(text, size=BODY, weight=ft.FontWeight.BOLD),
                         bgcolor=theme.NHS_GREY_BG, border_radius=6,
                         padding=ft.Padding.symmetric(horizontal=10, vertical=6)),
            ft.Text(f"from {who}{', ' + when if when else ''}", size=SMALL,
                    color=theme.NHS_TEXT),
            button(f"{ident}-choose", action, on_click, icon=ft.Icons.CHECK)]))

    def _conflict(self, state: VisitState, n: int, c: dict[str, Any]) -> ft.Control:
        where, item = vm.conflict_where(state, c)
        rows: list[ft.Control] = [sem(f"conflict-{n}-where", ft.Text(
            where, size=BODY, weight=ft.FontWeight.W_600, color=theme.NHS_DARK_BLUE))]
        current = c["current"]
        rows.append(self._value_row(
            f"conflict-{n}-current", vm.conflict_value_text(current["value"], item), current,
            "Keep this", lambda e: self._choose(c, current["op_id"])))
        for j, other in enumerate(c["competing"]):
            rows.append(self._value_row(
                f"conflict-{n}-other-{j}", vm.conflict_value_text(other["value"], item), other,
                "Use this", lambda e, o=other: self._choose(c, o["op_id"])))
        field = ft.TextField(label="Or write the right value", text_size=BODY, expand=True,
                             on_change=lambda e: None)
        self.writing[n] = field
        error = ft.Text("", size=SMALL, color=theme.NHS_RED)
        error_box = sem(f"conflict-{n}-error", error, visible=False)
        rows.append(ft.Row(spacing=10, controls=[
            sem(f"conflict-{n}-write", field, expand=True),
            button(f"conflict-{n}-write-save", "Save this value",
                   lambda e: self._write(c, item, field, error, error_box))]))
        rows.append(error_box)
        box = ft.Container(ft.Column(spacing=8, controls=rows), padding=12, border_radius=6,
                           border=ft.Border.all(1, theme.NHS_PALE_GREY))
        return sem(f"conflict-{n}", box)

    def _resolve(self, c: dict[str, Any], **how: Any) -> bool:
        try:
            self.app.services.sync.resolve_conflict(
                self.visit_id, c["entity"], c["entity_id"], c["field"],
                author=self.app.author(self.visit_id), **how)
        except UserError as err:
            self.app.problem(err)
            return False
        self.app.mark_saved("choice")
        self.on_resolved()
        return True

    def _choose(self, c: dict[str, Any], op_id: str) -> None:
        self._resolve(c, choose_op_id=op_id)

    def _write(self, c: dict[str, Any], item: Any, field: ft.TextField, error: ft.Text,
               error_box: ft.Control) -> None:
        raw = (field.value or "").strip()
        if not raw:
            error.value, error_box.visible = "Type a value first.", True
            return
        hits = find_patient_data(raw)
        if hits:
            error.value = ("Not saved: this looks like patient data ("
                           + "; ".join(str(h) for h in hits) + "). Remove the details.")
            error_box.visible = True
            return
        value: Any = raw
        if item is not None and c["field"] == "value":
            try:
                value = parse_value(item, raw)
            except ValueError as err:
                error.value, error_box.visible = f"Not saved: {vm.user_words(err, capital=False)}", True
                return
        self._resolve(c, value=value)
