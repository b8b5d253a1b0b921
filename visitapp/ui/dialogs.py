"""The dialogs more than one screen opens: add or edit a finding, confirm deleting one,
and attach a photo with its caption; and the save step they share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from visitapp.domain.visit import FindingState, VisitState
from visitapp.errors import PatientDataWarning, UserError
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.widgets import (
    BODY,
    SMALL,
    ChoiceGroup,
    PrivacyWarning,
    button,
    sem,
    wide,
)


def save_from_dialog(app: Any, save: Callable[[], object], *, warning: Any, error: ft.Text,
                     not_done: str, saved_what: str, on_done: Callable[[], None]) -> None:
    """Run a dialog's save; on success close the dialog and say "saved".

    Patient-data warnings show inline (the user edits or confirms); other mistakes show
    as "<not_done>: <reason>" in the dialog; either way the dialog stays open.
    """
    try:
        save()
    except PatientDataWarning as problem:
        warning.show(problem.reasons)
        return
    except UserError as problem:
        error.value, error.visible = f"{not_done}: {vm.user_words(problem, capital=False)}", True
        return
    app.page.pop_dialog()
    app.mark_saved(saved_what)
    on_done()
    app.page.update()  # pop_dialog updated only the dialog


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
            size=SMALL, color=theme.NHS_SECONDARY_TEXT)
        self.warning = PrivacyWarning("finding-warn", lambda: self._save(confirmed=True))
        self.error = ft.Text("", color=theme.NHS_RED, size=BODY, visible=False)
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
            modal=True, title=ft.Text(title, color=theme.NHS_DARK_BLUE), semantics_label=title,
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
    """Ask before deleting a finding, then offer Undo (both are ops: they sync)."""
    def yes(e: ft.ControlEvent) -> None:
        app.page.pop_dialog()
        try:
            app.services.visits.delete_finding(visit_id, finding.id,
                                               author=app.author(visit_id))
        except UserError as err:
            app.problem(err)
            return
        app.mark_saved("deletion")
        on_deleted()
        app.page.update()
        app.offer_undo("Finding deleted", undo)

    def undo() -> None:
        try:
            app.services.visits.restore_finding(visit_id, finding.id,
                                                author=app.author(visit_id))
        except UserError as err:
            app.problem(err)
            return
        app.mark_saved("finding")
        on_deleted()
        app.page.update()

    app.page.show_dialog(ft.AlertDialog(
        modal=True, title=ft.Text("Delete this finding?"), semantics_label="Delete this finding?",
        content=ft.Text(finding.text, size=BODY),
        actions=[button("delete-cancel", "Keep it", lambda e: app.page.pop_dialog()),
                 button("delete-confirm", "Delete", yes, primary=True, danger=True)]))


async def attach_photo_flow(app: Any, visit_id: str, area_key: str | None,
                            item_id: str | None, on_done: Callable[[], None]) -> None:
    """The no-patient reminder before the visit's first photo on this tablet, then a
    picture from the photo source (camera or file), then its caption, then store it."""
    from visitapp.ui.photo_sources import confirm_no_patients

    if not app.prefs.photo_reminder_seen(visit_id):
        if not await confirm_no_patients(app, vm.PRIVACY_REMINDER):
            return
        app.prefs.set_photo_reminder_seen(visit_id)
    picture = await app.photo_source.take(app)
    if picture is None:
        return
    data, name = picture
    CaptionDialog(app, visit_id, data, name, area_key, item_id, on_done).open()
    app.page.update()


class CaptionDialog:
    def __init__(self, app: Any, visit_id: str, data: bytes, name: str, area_key: str | None,
                 item_id: str | None, on_done: Callable[[], None]) -> None:
        self.app, self.visit_id, self.data, self.name = app, visit_id, data, name
        self.area_key, self.item_id, self.on_done = area_key, item_id, on_done
        self.caption = ft.TextField(label="Caption (what it shows, no patient details)",
                                    text_size=BODY, multiline=True, min_lines=1, max_lines=3,
                                    on_change=lambda e: self.warning.hide())
        self.warning = PrivacyWarning("caption-warn", lambda: self._save(confirmed=True))
        self.error = ft.Text("", color=theme.NHS_RED, visible=False)
        self.area_group: ChoiceGroup | None = None
        if item_id is None:
            state = app.services.visits.load(visit_id)
            self.area_group = ChoiceGroup(
                "photo-area", [vm.Choice("", "Whole visit")] + vm.area_choices(state),
                area_key or "", self._pick_area, label="Area")

    def _pick_area(self, value: str) -> None:
        self.area_key = value or None
        assert self.area_group is not None
        self.area_group.show(value)

    def open(self) -> None:
        controls: list[ft.Control] = [
            ft.Container(ft.Row([ft.Icon(ft.Icons.PRIVACY_TIP, color=theme.NHS_TEXT),
                                 ft.Text(vm.PRIVACY_REMINDER, size=BODY, expand=True)]),
                         bgcolor="#FFF4D6", padding=12, border_radius=6),
            ft.Image(src=self.data, height=160, fit=ft.BoxFit.CONTAIN),
            wide(sem("photo-caption", self.caption)), self.warning]
        if self.area_group is not None:
            controls += [ft.Text("Area", size=BODY, weight=ft.FontWeight.W_600),
                         self.area_group]
        controls.append(self.error)
        self.app.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text("Attach photo", color=theme.NHS_DARK_BLUE),
            semantics_label="Attach photo",
            content=ft.Container(ft.Column(controls, tight=True, spacing=10,
                                           scroll=ft.ScrollMode.AUTO), width=640),
            actions=[button("photo-cancel", "Cancel", lambda e: self.app.page.pop_dialog()),
                     button("photo-save", "Attach photo", lambda e: self._save(),
                            primary=True)]))

    def _save(self, confirmed: bool = False) -> None:
        save_from_dialog(
            self.app,
            lambda: self.app.services.attachments.attach_photo(
                self.visit_id, self.data, name=self.name, caption=self.caption.value,
                area_key=self.area_key, item_id=self.item_id,
                author=self.app.author(self.visit_id), confirmed=confirmed),
            warning=self.warning, error=self.error, not_done="Not attached",
            saved_what="photo", on_done=self.on_done)
