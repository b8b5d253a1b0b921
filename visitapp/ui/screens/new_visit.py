"""Start a visit: where, when, what kind, who is on the team, who holds this tablet, and
which areas to walk (an area kind can repeat, each with its own label: two wards)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import flet as ft

from visitapp.domain.forms import AREA_KINDS
from visitapp.domain.visit import TeamMember
from visitapp.errors import UserError
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.layout import appbar, card, view
from visitapp.ui.widgets import BODY, ChoiceGroup, button, heading, sem, wide


def _field(ident: str, label: str, value: str = "", **kw: Any) -> tuple[ft.TextField, ft.Control]:
    f = ft.TextField(label=label, value=value, text_size=BODY, on_change=lambda e: None, **kw)
    return f, (sem(ident, f) if "width" in kw else wide(sem(ident, f)))


class NewVisitScreen:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.system, system_c = _field("new-system", "Local health and care system (required)")
        self.trust, trust_c = _field("new-trust", "Trust")
        self.site, site_c = _field("new-site", "Site")
        self.today: date = app.today()  # from the app's clock, never read here
        self.date, date_field = _field("new-date", "Date of the visit (YYYY-MM-DD)",
                                       self.today.isoformat(), width=300)
        date_c = ft.Row(wrap=True, spacing=12, controls=[
            date_field, button("new-date-pick", "Choose the date", self._pick_date,
                               icon=ft.Icons.CALENDAR_MONTH)])
        self.visit_type = "diagnostic"
        self.type_group = ChoiceGroup("new-type", vm.VISIT_TYPE_CHOICES, self.visit_type,
                                      self._pick_type, label="Visit type")
        self.team_rows: list[tuple[ft.TextField, ft.TextField, ft.Control]] = []
        self.team_col = ft.Column(spacing=8)
        self.i_am: int | None = 0
        self.i_am_box = ft.Container()
        self.areas: list[tuple[str, ft.TextField, ft.Control]] = []
        self.area_col = ft.Column(spacing=8)
        self.error = ft.Text("", color=theme.NHS_RED, size=BODY, visible=False)
        self._n = 0
        add_area = ft.Row(wrap=True, spacing=8, run_spacing=8, controls=[
            button(f"add-area-{k}", label, lambda e, k=k: self._add_area(k), icon=ft.Icons.ADD)
            for k, label in AREA_KINDS.items()])
        self._add_member()
        form = ft.ListView(expand=True, spacing=16, padding=ft.Padding.only(bottom=32), controls=[
            card(ft.Column(spacing=12, controls=[
                heading("Where and when", 18), system_c, trust_c, site_c, date_c,
                ft.Text("Visit type", size=BODY, weight=ft.FontWeight.W_600),
                self.type_group])),
            card(ft.Column(spacing=12, controls=[
                heading("Team", 18), self.team_col,
                button("add-member", "Add team member", lambda e: self._add_member(),
                       icon=ft.Icons.PERSON_ADD),
                ft.Text("I am (who is using this tablet; recorded on every answer)",
                        size=BODY, weight=ft.FontWeight.W_600),
                self.i_am_box])),
            card(ft.Column(spacing=12, controls=[
                heading("Areas to walk", 18),
                ft.Text("Add each area you will visit. Give repeated kinds their own label, "
                        "like Ward 7 (medical). You can add areas later too.", size=BODY),
                add_area, self.area_col])),
            self.error,
            ft.Row([button("start-visit", "Start visit", self._start, icon=ft.Icons.CHECK,
                           primary=True)]),
        ])
        self.view = view("/new", appbar(app, "New visit"), [form])
        self._refresh_i_am()

    def _pick_date(self, e: Any) -> None:
        try:
            shown = date.fromisoformat((self.date.value or "").strip())
        except ValueError:
            shown = self.today

        def chosen(e: Any) -> None:
            picked = e.control.value
            if picked is not None:
                self.date.value = picked.date().isoformat() if hasattr(picked, "date") \
                    else str(picked)[:10]

        self.app.page.show_dialog(ft.DatePicker(
            value=datetime.combine(shown, time()), current_date=datetime.combine(self.today, time()),
            first_date=datetime(self.today.year - 2, 1, 1),
            last_date=datetime(self.today.year + 2, 12, 31),
            help_text="Date of the visit", confirm_text="Use this date", on_change=chosen))

    def _pick_type(self, value: str) -> None:
        self.visit_type = value
        self.type_group.show(value)

    def _add_member(self) -> None:
        n = len(self.team_rows)
        name = ft.TextField(label=f"Team member {n + 1}: name", text_size=BODY, expand=True,
                            on_change=lambda e: None, on_blur=lambda e: self._refresh_i_am(),
                            on_submit=lambda e: self._refresh_i_am())
        role = ft.TextField(label="Role", text_size=BODY, expand=True, on_change=lambda e: None)
        row = ft.Row([sem(f"team-name-{n}", name, expand=True),
                      sem(f"team-role-{n}", role, expand=True)], spacing=8)
        self.team_rows.append((name, role, row))
        self.team_col.controls.append(row)
        self._refresh_i_am()

    def _names(self) -> list[str]:
        return [(n.value or "").strip() for n, _, _ in self.team_rows]

    def _refresh_i_am(self) -> None:
        choices = [vm.Choice(str(i), name) for i, name in enumerate(self._names()) if name]
        if not choices:
            self.i_am_box.content = ft.Text("Type the team members' names first.", size=BODY,
                                            color=theme.NHS_SECONDARY_TEXT)
            return
        chosen = str(self.i_am) if self.i_am is not None else None
        self.i_am_box.content = ChoiceGroup("i-am", choices, chosen, self._pick_i_am,
                                            label="I am")

    def _pick_i_am(self, value: str) -> None:
        self.i_am = int(value)
        self._refresh_i_am()

    def _add_area(self, kind: str) -> None:
        self._n += 1
        n = self._n
        same = sum(1 for k, _, _ in self.areas if k == kind)
        default = AREA_KINDS[kind] if same == 0 else f"{AREA_KINDS[kind]} {same + 1}"
        label = ft.TextField(label=f"Label for this {AREA_KINDS[kind].lower()}", value=default,
                             text_size=BODY, expand=True, on_change=lambda e: None)
        row = ft.Row(spacing=8, controls=[sem(f"area-label-{n}", label, expand=True)])
        entry = (kind, label, row)
        row.controls.append(button(f"remove-area-{n}", "Remove",
                                   lambda e: self._remove_area(entry), icon=ft.Icons.DELETE))
        self.areas.append(entry)
        self.area_col.controls.append(row)

    def _remove_area(self, entry: tuple[str, ft.TextField, ft.Control]) -> None:
        self.areas.remove(entry)
        self.area_col.controls.remove(entry[2])

    def _start(self, e: ft.ControlEvent) -> None:
        team = [TeamMember(name=(n.value or "").strip(), role=(r.value or "").strip())
                for n, r, _ in self.team_rows if (n.value or "").strip()]
        names = self._names()
        me = names[self.i_am] if self.i_am is not None and self.i_am < len(names) else None
        try:
            visit_id = self.app.services.visits.create_visit(
                system=self.system.value or "", trust=self.trust.value, site=self.site.value,
                date=(self.date.value or "").strip(), visit_type=self.visit_type, team=team,
                areas=[(k, (label.value or "").strip()) for k, label, _ in self.areas],
                author=me or None)
        except UserError as err:
            self.error.value = f"The visit was not started: {vm.user_words(err, capital=False)}."
            self.error.visible = True
            return
        self.app.prefs.set_i_am(visit_id, me or None)
        self.app.mark_saved("new visit")
        self.app.screens.pop("/", None)
        self.app.go(f"/visit/{visit_id}")
