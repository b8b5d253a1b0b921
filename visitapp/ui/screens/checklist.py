"""An area's checklist: one row per visible item, the right control for its answer type,
saved the moment it is given; guidance, a note, flags and photos on every item.

The list is a lazy `ListView` (only rows on screen are built in the browser), and rows are
built once per screen and kept: when a `show_if` answer changes, the list is re-ordered
from the same row objects rather than rebuilt.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from visitapp.domain.forms import AnswerType, Item, Section
from visitapp.domain.visit import AnswerState, AreaState
from visitapp.errors import PatientDataWarning, StoreError, UserError
from visitapp.ui import viewmodels as vm
from visitapp.ui.screens.common import appbar, view
from visitapp.ui.screens.overview import rag_badge
from visitapp.ui.widgets import (
    BODY,
    SMALL,
    TOUCH,
    ChoiceGroup,
    PrivacyWarning,
    SavingField,
    button,
    sem,
    wide,
)

_KEYBOARD = {
    AnswerType.COUNT: ft.KeyboardType.NUMBER,
    AnswerType.DURATION: ft.KeyboardType.TEXT,
    AnswerType.PERCENT: ft.KeyboardType.NUMBER,
    AnswerType.TIME_OF_DAY: ft.KeyboardType.DATETIME,
    AnswerType.TEXT: ft.KeyboardType.MULTILINE,
}


def _small_button(ident: str, text: str, icon: Any, on_click: Any) -> ft.Control:
    return sem(ident, ft.TextButton(content=text, icon=icon, on_click=on_click, height=TOUCH))


class ItemRow:
    """One checklist item on screen."""

    def __init__(self, screen: ChecklistScreen, item: Item) -> None:
        self.screen = screen
        self.item = item
        iid = item.id
        answer = screen.area.answers.get(iid, AnswerState())
        self.required = ft.Text("", size=SMALL, weight=ft.FontWeight.BOLD)
        self.required_icon = ft.Icon(ft.Icons.ERROR_OUTLINE, size=18)
        # Semantics needs visible content, so visibility is switched on the wrappers.
        self.error = ft.Text("", size=SMALL, color=vm.NHS_RED)
        self.error_box = sem(f"error-{iid}", self.error, visible=False)
        self.shown = ft.Text("", size=SMALL, color=vm.NHS_MID_GREY)
        self.shown_box = sem(f"shown-{iid}", self.shown, visible=False)
        self.flags = ft.Text("", size=SMALL, color=vm.NHS_DARK_BLUE)
        self.field: SavingField | None = None
        self.choices: ChoiceGroup | None = None
        if vm.choices_for(item):
            self.choices = ChoiceGroup(f"ans-{iid}", vm.choices_for(item), answer.value,
                                       self._pick, multi=vm.is_multi(item),
                                       label=item.prompt, wide=item.type is AnswerType.RAG)
            control: ft.Control = self.choices
        else:
            self.field = SavingField(
                f"ans-{iid}", vm.ANSWER_TYPE_WORDS[item.type], vm.entry_text(item, answer.value),
                self._save_entry, multiline=item.type is AnswerType.TEXT,
                hint=vm.ENTRY_HINTS.get(item.type), suffix=vm.entry_suffix(item),
                keyboard=_KEYBOARD[item.type],
                width=None if item.type is AnswerType.TEXT else 320,
                on_error=self._entry_error)
            screen.fields.append(self.field)
            self.field.after_commit = self.push
            control = self.field.control
            if item.type is AnswerType.TEXT:
                control = wide(control)
        self.extra = ft.Column(spacing=8)  # guidance and note, built when first opened
        self.guidance: ft.Control | None = None
        self.note_field: SavingField | None = None
        self.warning: PrivacyWarning | None = None
        actions = ft.Row(wrap=True, spacing=2, run_spacing=0, controls=[
            _small_button(f"guide-{iid}", "Guidance", ft.Icons.INFO_OUTLINE, self._toggle_guidance),
            _small_button(f"note-btn-{iid}", "Note", ft.Icons.EDIT_NOTE, self._open_note),
            _small_button(f"flag-strength-{iid}", "Strength", ft.Icons.THUMB_UP_OUTLINED,
                          lambda e: self._flag("strength")),
            _small_button(f"flag-concern-{iid}", "Concern", ft.Icons.FLAG_OUTLINED,
                          lambda e: self._flag("concern")),
            _small_button(f"photo-{iid}", "Photo", ft.Icons.ADD_A_PHOTO_OUTLINED, self._photo),
            sem(f"flags-{iid}", self.flags),
        ])
        # Only what the item needs is built: every control costs time on each area open.
        parts: list[ft.Control] = [
            ft.Text(item.prompt, size=17, weight=ft.FontWeight.W_600, color=vm.NHS_TEXT)]
        if item.required:
            parts.append(ft.Row([self.required_icon, sem(f"req-{iid}", self.required)],
                                spacing=4))
        if item.type is AnswerType.MULTI_CHOICE:
            parts.append(ft.Text("Choose any that apply", size=SMALL, color=vm.NHS_MID_GREY))
        parts.append(control)
        if self.field is not None:
            parts += [self.shown_box, self.error_box]
        # A rated item (thresholds or an expected answer) shows the rating its answer
        # suggests and lets the team set their own; built only once it is answered.
        self.rating_box = ft.Column(spacing=0, visible=False)
        if item.rated and item.type is not AnswerType.RAG:
            parts.append(self.rating_box)
        parts += [self.extra, actions]
        self.control = sem(f"item-{iid}", ft.Container(
            bgcolor=vm.WHITE, border_radius=8,
            padding=ft.Padding(left=16, top=12, right=12, bottom=4),
            margin=ft.Margin.only(bottom=10), border=ft.Border.all(1, vm.NHS_PALE_GREY),
            content=ft.Column(spacing=8, controls=parts)))
        if answer.note:
            self._open_note(None)
        self.show(answer.value)
        self.show_flags()

    def push(self) -> None:
        self.screen.app.push(self.control)

    # --- answers -------------------------------------------------------------------

    def show(self, value: Any) -> None:
        if self.choices is not None:
            self.choices.show(value)
        answered = value is not None
        if self.item.required:
            self.required.value = ("Required" if answered else "Required: not answered yet")
            self.required.color = vm.NHS_MID_GREY if answered else vm.NHS_RED
            self.required_icon.color = self.required.color
            self.required_icon.icon = (ft.Icons.CHECK_CIRCLE_OUTLINE if answered
                                       else ft.Icons.ERROR_OUTLINE)
        if self.item.type is AnswerType.DURATION and answered:
            self.shown.value, self.shown_box.visible = f"Saved as {vm.shown_value(self.item, value)}", True
        elif self.item.type in (AnswerType.COUNT, AnswerType.PERCENT,
                                AnswerType.TIME_OF_DAY) and answered:
            self.shown.value, self.shown_box.visible = f"Saved: {vm.shown_value(self.item, value)}", True
        else:
            self.shown_box.visible = False
        self.show_rating()

    def show_rating(self) -> None:
        item, area = self.item, self.screen.area
        if not item.rated or item.type is AnswerType.RAG:
            return
        answer = area.answers.get(item.id)
        suggested = area.suggested_rag(item)
        self.rating_box.visible = answer is not None and answer.value is not None
        if not self.rating_box.visible:
            return
        if not self.rating_box.controls:
            iid = item.id
            self.rating_text = ft.Text("", size=SMALL, color=vm.NHS_TEXT)
            buttons = [_small_button(f"rate-{iid}-{c.value}", f"Team: {c.label}", None,
                                     lambda e, v=c.value: self._rate(v))
                       for c in vm.RAG_CHOICES]
            buttons.append(_small_button(f"rate-{iid}-suggested", "Use suggested", None,
                                         lambda e: self._rate(None)))
            self.rating_box.controls = [sem(f"suggested-{iid}", self.rating_text),
                                        ft.Row(buttons, wrap=True, spacing=2)]
        words = vm.rating_words(item, suggested, answer.team_rag if answer else None)
        self.rating_text.value = words

    def _rate(self, rag: str | None) -> None:
        s = self.screen
        try:
            s.app.services.visits.rate_item(s.visit_id, s.key, self.item.id, rag,
                                            author=s.author)
        except (UserError, StoreError) as err:
            s.app.problem(err)
            return
        s.area.answers.setdefault(self.item.id, AnswerState()).team_rag = rag
        self.show_rating()
        s.app.mark_saved("rating")
        s.relayout()
        s.app.push(self.control, s.progress, s.rag)

    def _pick(self, value: str) -> None:
        current = self.screen.area.answers.get(self.item.id, AnswerState()).value
        if vm.is_multi(self.item):
            chosen = vm.toggle_multi(current, value)
            self.screen.set_answer(self, chosen or None)
        else:
            self.screen.set_answer(self, None if current == value else value)

    def _save_entry(self, text: str) -> None:
        self.screen.set_answer(self, text.strip() or None, raise_errors=True)
        self.error_box.visible = False

    def _entry_error(self, err: Exception) -> None:
        self.error.value = f"Not saved: {err}"
        self.error_box.visible = True
        self.push()

    # --- guidance, note, flags, photo ----------------------------------------------

    def _toggle_guidance(self, e: Any) -> None:
        if self.guidance is None:
            item = self.item
            lines = [ft.Text(item.guidance, size=BODY, color=vm.NHS_TEXT)]
            if item.standard:
                lines.append(ft.Text(f"Standard: {item.standard}", size=BODY,
                                     weight=ft.FontWeight.W_600, color=vm.NHS_DARK_BLUE))
            if item.source:
                lines.append(ft.Text(f"Source: {item.source}", size=SMALL, italic=True,
                                     color=vm.NHS_TEXT))
            self.guidance = sem(f"guidance-{item.id}", ft.Container(
                ft.Column(lines, spacing=6), bgcolor="#E8F1FA", padding=12, border_radius=6))
            self.extra.controls.insert(0, self.guidance)
        else:
            self.guidance.visible = not self.guidance.visible
        self.push()

    def _open_note(self, e: Any) -> None:
        if self.note_field is not None:
            return
        answer = self.screen.area.answers.get(self.item.id, AnswerState())
        iid = self.item.id
        self.warning = PrivacyWarning(f"note-{iid}-warn", self._confirm_note)
        self.note_field = SavingField(f"note-{iid}", "Note (no patient details)",
                                      answer.note or "", self._save_note, multiline=True,
                                      on_error=self._note_error)
        self.note_field.after_commit = self.push
        self.screen.fields.append(self.note_field)
        self.extra.controls.extend([wide(self.note_field.control), self.warning])
        if e is not None:
            self.push()

    def _save_note(self, text: str, confirmed: bool = False) -> None:
        s = self.screen
        s.app.services.visits.set_note(s.visit_id, s.key, self.item.id, text,
                                       author=s.author, confirmed=confirmed)
        a = s.area.answers.setdefault(self.item.id, AnswerState())
        a.note = text.strip() or None
        a.note_confirmed = confirmed
        if self.warning is not None:
            self.warning.hide()
        s.app.mark_saved("note")

    def _note_error(self, err: Exception) -> None:
        if isinstance(err, PatientDataWarning) and self.warning is not None:
            self.warning.show(err.reasons)
            self.push()
        else:
            self.screen.app.problem(err)

    def _confirm_note(self) -> None:
        assert self.note_field is not None
        text = self.note_field.value
        self._save_note(text, confirmed=True)
        self.note_field.mark_saved(text)
        self.push()

    def show_flags(self) -> None:
        """What is linked to this item: flagged findings and photos, in words."""
        state, iid = self.screen.state, self.item.id
        linked = vm.linked_findings(state, self.screen.key, iid)
        words = [vm.count_words(sum(1 for f in linked if f.kind == k), k)
                 for k in ("strength", "concern") if any(f.kind == k for f in linked)]
        others = sum(1 for f in linked if f.kind not in ("strength", "concern"))
        if others:
            words.append(f"{others} other")
        photos = sum(1 for a in state.attachments
                     if a.area_key == self.screen.key and a.item_id == iid)
        text = ("Flagged: " + ", ".join(words)) if words else ""
        if photos:
            text += ("; " if text else "") + vm.count_words(photos, "photo")
        self.flags.value = text

    def _flag(self, kind: str) -> None:
        from visitapp.ui.screens.findings import FindingDialog

        s = self.screen
        answer = s.area.answers.get(self.item.id, AnswerState())
        FindingDialog(s.app, s.visit_id, s.state, on_saved=s.findings_changed, kind=kind,
                      text=vm.flag_text(self.item, answer.value),
                      pathway=vm.default_pathway(self.item), area_key=s.key,
                      item_ids=[self.item.id]).open()

    def _photo(self, e: Any) -> None:
        from visitapp.ui.screens.photos import attach_photo_flow

        s = self.screen
        s.app.page.run_task(attach_photo_flow, s.app, s.visit_id, s.key, self.item.id,
                            s.findings_changed)


class ChecklistScreen:
    # Rows sent with the screen itself; the rest follow straight after it is shown, so
    # the first screenful appears without waiting for a long checklist to be serialised.
    FIRST_SCREEN = 10

    def __init__(self, app: Any, visit_id: str, key: str) -> None:
        self.app = app
        self.visit_id = visit_id
        self.key = key
        self.route = f"/visit/{visit_id}/area/{key}"
        self.state = app.services.visits.load(visit_id)
        area = self.state.area(key)
        if area is None:
            raise UserError("That area is no longer in this visit.")
        self.area: AreaState = area
        self.author = app.author(visit_id)
        self.fields: list[SavingField] = []
        self.rows: dict[str, ItemRow] = {}
        self.headings: dict[str, ft.Control] = {}
        # One column per section inside the lazy list: a show_if change or the late
        # filling of a section then sends that section alone.
        self.sections = [(sec, ft.Column(spacing=0,
                                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH))
                         for sec in area.form.sections]
        self.shown: dict[str, list[str]] = {}
        self.progress = ft.Text("", size=BODY, weight=ft.FontWeight.W_600)
        self.rag = ft.Container()
        self._worst: str | None = None
        self.list = ft.ListView(expand=True, spacing=0, padding=ft.Padding.only(bottom=16))
        self.list.controls = [col for _, col in self.sections]
        before, after = vm.neighbours(self.state, key)
        nav = ft.Row(spacing=12, controls=[
            button("prev-area", f"Previous: {before.label}" if before else "Previous area",
                   (lambda e: self.go_area(before.key)) if before else None,
                   icon=ft.Icons.ARROW_BACK, expand=True),
            button("overview", "Overview", lambda e: app.go(f"/visit/{visit_id}"),
                   icon=ft.Icons.DASHBOARD),
            button("next-area", f"Next: {after.label}" if after else "Next area",
                   (lambda e: self.go_area(after.key)) if after else None,
                   icon=ft.Icons.ARROW_FORWARD, primary=after is not None, expand=True),
        ])
        if before is None:
            nav.controls[0].content.disabled = True
        if after is None:
            nav.controls[2].content.disabled = True
        header = ft.Row(wrap=True, spacing=16, controls=[
            sem("area-progress", self.progress), sem("area-rag", self.rag)])
        bar = appbar(app, area.label, f"{self.state.title} · {self.author or 'I am: not set'}")
        self.view = view(self.route, bar, [header, self.list, nav], spacing=8)
        self.relayout(limit=self.FIRST_SCREEN)

    # --- list ----------------------------------------------------------------------

    def after_show(self) -> None:
        if any(sec.id not in self.shown for sec, _ in self.sections):
            self.app.page.run_task(self._complete)

    async def _complete(self) -> None:
        """Fill the sections left out of the first screen, one at a time, so a tap in
        the meantime is answered between two of them."""
        for sec, col in self.sections:
            await asyncio.sleep(0.02)
            if sec.id in self.shown or self.app.screens.get(self.app.current) is not self:
                continue
            self._fill(sec, col, {i.id for i in self.area.visible_items()})
            self.app.push(col, status=False)

    def _heading(self, title: str) -> ft.Control:
        h = self.headings.get(title)
        if h is None:
            h = self.headings[title] = ft.Container(
                ft.Text(title, size=19, weight=ft.FontWeight.BOLD, color=vm.NHS_DARK_BLUE),
                padding=ft.Padding(left=4, top=10, right=4, bottom=8))
        return h

    def _fill(self, sec: Section, col: ft.Column, visible: set[str]) -> bool:
        """Put a section's visible rows in its column; True when they changed."""
        ids = [i.id for i in sec.items if i.id in visible]
        if self.shown.get(sec.id) == ids:
            return False
        controls: list[ft.Control] = [self._heading(sec.title)] if ids else []
        for item in sec.items:
            if item.id in visible:
                row = self.rows.get(item.id)
                if row is None:
                    row = self.rows[item.id] = ItemRow(self, item)
                controls.append(row.control)
        col.controls = controls
        self.shown[sec.id] = ids
        return True

    def relayout(self, limit: int | None = None) -> list[ft.Control]:
        """Show the items visible now (show_if), reusing rows already built; returns the
        section columns that changed. With `limit`, fills whole sections until about
        that many rows (the first screen); later sections wait for `_complete`."""
        visible = {i.id for i in self.area.visible_items()}
        changed: list[ft.Control] = []
        budget = limit
        for sec, col in self.sections:
            if sec.id not in self.shown and limit is None:
                continue  # still to come from _complete
            if budget is not None and budget <= 0:
                continue
            if self._fill(sec, col, visible):
                changed.append(col)
            if budget is not None:
                budget -= len(self.shown[sec.id])
        p = self.area.progress()
        missing = f"; {p.required_missing} required not answered" if p.required_missing else \
            "; all required answered"
        self.progress.value = f"{p.answered} of {p.visible} answered{missing}"
        overall = self.area.rag().overall
        if overall != self._worst or self.rag.content is None:
            self._worst = overall
            self.rag.content = rag_badge(overall)
        return changed

    def set_answer(self, row: ItemRow, raw: Any, raise_errors: bool = False) -> None:
        visits = self.app.services.visits
        iid = row.item.id
        try:
            if raw is None:
                visits.clear_answer(self.visit_id, self.key, iid, author=self.author)
                value = None
            else:
                value = visits.answer(self.visit_id, self.key, iid, raw, author=self.author)
        except (UserError, StoreError) as err:
            if raise_errors:
                raise
            self.app.problem(err)  # said in words; the answer on screen stays as it was
            return
        a = self.area.answers.setdefault(iid, AnswerState())
        a.value = value
        a.answered_by = self.author
        row.show(value)
        self.app.mark_saved("answer")
        changed = self.relayout()
        self.app.push(*(changed or [row.control]), self.progress, self.rag)

    def findings_changed(self) -> None:
        self.state = self.app.services.visits.load(self.visit_id)
        fresh = self.state.area(self.key)
        if fresh is not None:
            # keep the answers we already hold (they are the same as stored)
            self.state.areas[self.state.areas.index(fresh)] = self.area
        for row in self.rows.values():
            row.show_flags()

    # --- navigation ----------------------------------------------------------------

    def leave(self) -> None:
        """Save whatever is still being typed before the screen goes."""
        for f in self.fields:
            f.commit()

    def go_area(self, key: str) -> None:
        self.app.go(f"/visit/{self.visit_id}/area/{key}")
