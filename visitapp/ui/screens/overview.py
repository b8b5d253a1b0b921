"""A visit at a glance: each area's progress, required gaps, area rating and findings,
and the way into findings, photos, data, discussion and feedback; conflicts from sync."""

from __future__ import annotations

from typing import Any

import flet as ft

from visitapp.errors import UserError
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.conflicts import ConflictsSection
from visitapp.ui.layout import appbar, card, view
from visitapp.ui.office_panels import previous_actions_card
from visitapp.ui.widgets import BODY, SMALL, ChoiceGroup, button, heading, rag_badge, sem, wide


def done_badge() -> ft.Control:
    return ft.Container(ft.Row([ft.Icon(ft.Icons.TASK_ALT, color=theme.WHITE, size=16),
                                ft.Text("Done", size=SMALL, color=theme.WHITE,
                                        weight=ft.FontWeight.BOLD)], spacing=4, tight=True),
                        bgcolor=theme.NHS_GREEN, border_radius=12,
                        padding=ft.Padding.symmetric(horizontal=10, vertical=4))


class OverviewScreen:
    def __init__(self, app: Any, visit_id: str) -> None:
        self.app = app
        self.visit_id = visit_id
        self.route = f"/visit/{visit_id}"
        self.state = app.services.visits.load(visit_id)  # NotFound -> back to the list
        self.header = ft.Column(spacing=4)
        self.i_am_box = ft.Container()
        self.continue_box = ft.Container()
        self.previous_box = ft.Container()  # a follow-up: the earlier visit's actions
        self.cards = ft.ResponsiveRow(spacing=12, run_spacing=12)
        self.entries = ft.Row(wrap=True, spacing=10, run_spacing=10, controls=[
            button("open-findings", "Findings", lambda e: app.go(f"{self.route}/findings"),
                   icon=ft.Icons.LIGHTBULB_OUTLINE, primary=True),
            button("open-photos", "Photos", lambda e: app.go(f"{self.route}/photos"),
                   icon=ft.Icons.PHOTO_LIBRARY),
            button("open-data", "Data deep dive", lambda e: app.go(f"{self.route}/data"),
                   icon=ft.Icons.INSIGHTS),
            button("open-discussion", "Discussion",
                   lambda e: app.go(f"{self.route}/later/discussion"), icon=ft.Icons.FORUM),
            button("open-feedback", "Feedback", lambda e: app.go(f"{self.route}/feedback"),
                   icon=ft.Icons.PICTURE_AS_PDF),
        ])
        self.conflicts = ConflictsSection(app, visit_id, self._resolved)
        self.add_kind: str | None = None
        self.bar = appbar(app, self.state.title, f"{self.state.date} · "
                          f"{vm.visit_type_label(self.state.visit_type)}")
        body = ft.ListView(expand=True, spacing=14, padding=ft.Padding.only(bottom=24),
                           controls=[
                               card(ft.Column(spacing=10, controls=[
                                   self.header, self.i_am_box])),
                               self.continue_box,
                               self.previous_box,
                               self.entries,
                               self.conflicts.control,
                               ft.Row([heading("Areas", 20),
                                       button("add-area", "Add area", self._add_area_dialog,
                                              icon=ft.Icons.ADD)],
                                      alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
                               self.cards,
                           ])
        self.view = view(self.route, self.bar, [body])
        self._fill()

    def refresh(self) -> None:
        self.state = self.app.services.visits.load(self.visit_id)
        self._fill()

    def _fill(self) -> None:
        s = self.state
        where = " · ".join(x for x in (s.trust, s.site) if x)
        team = "; ".join(f"{m.name} ({m.role})" if m.role else m.name for m in s.team)
        p = s.progress()
        self.header.controls = [
            ft.Text(s.title, size=22, weight=ft.FontWeight.BOLD, color=theme.NHS_DARK_BLUE),
            ft.Text(where, size=BODY, visible=bool(where)),
            ft.Text(f"Team: {team}" if team else "No team recorded", size=BODY),
            sem("visit-progress", ft.Text(
                f"{p.answered} of {p.visible} items answered across {len(s.areas)} areas; "
                f"{p.required_missing} required not answered; {len(s.findings)} findings",
                size=BODY)),
        ]
        names = [m.name for m in s.team]
        me = self.app.author(self.visit_id)
        if names:
            choices = [vm.Choice(str(i), n) for i, n in enumerate(names)]
            chosen = str(names.index(me)) if me in names else None
            self.i_am_box.content = ft.Column(spacing=6, controls=[
                ft.Text("I am (recorded on every answer from this tablet)", size=BODY,
                        weight=ft.FontWeight.W_600),
                ChoiceGroup("i-am", choices, chosen, self._pick_i_am, label="I am")])
        else:
            self.i_am_box.content = None
        resume = vm.continue_at(s, self.app.prefs.last_position(self.visit_id))
        self.continue_box.content = button(
            "continue", resume.label, lambda e: self.app.go(resume.route(self.visit_id)),
            icon=ft.Icons.PLAY_ARROW, primary=True) if resume else None
        self.continue_box.visible = resume is not None
        self.previous_box.content = previous_actions_card(s.previous_actions)
        self.previous_box.visible = self.previous_box.content is not None
        self.cards.controls = [self._card(c) for c in vm.area_cards(s)]
        self.conflicts.fill(s)

    def _resolved(self) -> None:
        self.refresh()
        self.app.page.update()

    def _pick_i_am(self, value: str) -> None:
        name = self.state.team[int(value)].name
        self.app.prefs.set_i_am(self.visit_id, name)
        self._fill()

    def _card(self, c: vm.AreaCard) -> ft.Control:
        fraction = c.answered / c.visible if c.visible else 0
        missing_colour = theme.NHS_RED if c.required_missing else theme.NHS_GREEN
        content = ft.Column(spacing=8, controls=[
            ft.Row([ft.Text(c.label, size=18, weight=ft.FontWeight.BOLD,
                            color=theme.NHS_DARK_BLUE, expand=True),
                    *([done_badge()] if c.done else []),
                    ft.Icon(ft.Icons.CHEVRON_RIGHT, color=theme.NHS_BLUE)]),
            ft.Text(c.kind_label, size=SMALL, color=theme.NHS_SECONDARY_TEXT),
            ft.ProgressBar(value=fraction, color=theme.NHS_BLUE, bgcolor=theme.NHS_PALE_GREY,
                           height=8, border_radius=4),
            ft.Text(c.progress_text, size=BODY),
            ft.Row(spacing=6, controls=[
                ft.Icon(ft.Icons.ERROR_OUTLINE if c.required_missing else
                        ft.Icons.CHECK_CIRCLE_OUTLINE, color=missing_colour, size=18),
                ft.Text(c.missing_text, size=SMALL, color=theme.NHS_TEXT)]),
            ft.Row(spacing=10, wrap=True, controls=[
                rag_badge(c.rag_overall),
                ft.Text(c.findings_text + (f" · {vm.count_words(c.photos, 'photo')}"
                                           if c.photos else ""),
                        size=SMALL)]),
        ])
        box = card(content, on_click=lambda e, k=c.key: self.app.go(f"{self.route}/area/{k}"))
        return ft.Semantics(identifier=f"area-{c.key}", label=c.summary, button=True,
                            container=True, exclude_semantics=True, content=box,
                            col={"xs": 12, "sm": 6})

    def _add_area_dialog(self, e: ft.ControlEvent) -> None:
        label = ft.TextField(label="Label (optional), like Ward 12 (surgical)", text_size=BODY,
                             on_change=lambda e: None)
        error = ft.Text("", color=theme.NHS_RED, visible=False)
        kinds = ChoiceGroup("new-area-kind", vm.area_kind_choices(), None, lambda v: pick(v),
                            label="Kind of area")

        def pick(v: str) -> None:
            self.add_kind = v
            kinds.show(v)

        def save(e: ft.ControlEvent) -> None:
            if not self.add_kind:
                error.value, error.visible = "Choose the kind of area first.", True
                return
            try:
                self.app.services.visits.add_area(
                    self.visit_id, self.add_kind, label.value,
                    author=self.app.author(self.visit_id))
            except UserError as err:
                error.value, error.visible = vm.user_words(err), True
                return
            self.app.page.pop_dialog()
            self.app.mark_saved("area")
            self.refresh()
            self.app.page.update()

        self.add_kind = None
        self.app.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text("Add an area"), semantics_label="Add an area",
            content=ft.Container(width=600, content=ft.Column(
                tight=True, scroll=ft.ScrollMode.AUTO, spacing=12,
                controls=[kinds, wide(sem("new-area-label", label)), error])),
            actions=[button("add-area-cancel", "Cancel",
                            lambda e: self.app.page.pop_dialog()),
                     button("add-area-save", "Add area", save, primary=True)]))

