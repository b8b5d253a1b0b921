"""An area's checklist at corridor speed: one compact row per visible item (the question,
its answer control and one "More" button), a section index, "Next unanswered" and "Next
required", a filter to what is left, and the progress at thumb height.

The screen draws `ChecklistViewModel` (plain Python: answers, undo, where the user is).
Rows are built once per screen and kept: when a `show_if` answer changes, a section is
re-ordered from the same row objects rather than rebuilt. The list is a scrolling
`Column` (not a lazy `ListView`) so that "Next unanswered" and "Continue" can scroll to
any item by its key; compact rows keep that cheap (see bench/bench_ui.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from visitapp.domain.forms import AnswerType, Item, Section
from visitapp.domain.privacy import find_patient_data
from visitapp.domain.visit import AnswerState
from visitapp.errors import PatientDataWarning, StoreError, UserError
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.answer_controls import ANSWER_CONTROLS
from visitapp.ui.layout import appbar, view
from visitapp.ui.office_panels import ideas_card
from visitapp.ui.widgets import (
    BODY,
    SMALL,
    TOUCH,
    ChoiceGroup,
    PrivacyWarning,
    SavingField,
    ToggleTile,
    button,
    rag_badge,
    sem,
    wide,
)


def row_key(item_id: str) -> str:
    return f"row-{item_id}"


def section_key(section_id: str) -> str:
    return f"section-{section_id}"


class ItemRow:
    """One checklist item on screen: question, answer, "More", and small markers."""

    def __init__(self, screen: ChecklistScreen, item: Item) -> None:
        self.screen = screen
        self.item = item
        iid = item.id
        model = screen.model
        spec = ANSWER_CONTROLS[item.type]
        value = model.value(iid)
        self.required = ft.Text("", size=SMALL, weight=ft.FontWeight.BOLD)
        # Semantics needs visible content, so visibility is switched on the wrappers.
        self.error = ft.Text("", size=SMALL, color=theme.NHS_RED)
        self.error_box = sem(f"error-{iid}", self.error, visible=False)
        self.shown = ft.Text("", size=SMALL, color=theme.NHS_SECONDARY_TEXT)
        self.shown_box = sem(f"shown-{iid}", self.shown, visible=False)
        self.flags = ft.Text("", size=SMALL, color=theme.NHS_DARK_BLUE)
        self.field: SavingField | None = None
        self.choices: ChoiceGroup | None = None
        if spec.choices:
            self.choices = ChoiceGroup(f"ans-{iid}", vm.choices_for(item), value, self._pick,
                                       multi=spec.multi, label=item.prompt,
                                       tile_width=spec.tile_width, spacing=8)
            control: ft.Control = self.choices
        else:
            self.field = SavingField(
                f"ans-{iid}", vm.ANSWER_TYPE_WORDS[item.type], vm.entry_text(item, value),
                self._save_entry, multiline=spec.multiline,
                hint=vm.ENTRY_HINTS.get(item.type), suffix=vm.entry_suffix(item),
                keyboard=spec.keyboard, width=spec.entry_width, on_error=self._entry_error,
                on_focus=lambda: self.screen.model.touch(self.item.id))
            screen.fields.append(self.field)
            self.field.after_commit = self.push
            control = self.field.control
            if spec.multiline:
                control = wide(control)
            control = ft.Column([control, self.shown_box, self.error_box], spacing=2,
                                tight=True, expand=spec.multiline)
        self._focus_turn = 0  # which focus of More a pending scroll belongs to
        self.more = sem(f"more-{iid}", ft.IconButton(
            ft.Icon(ft.Icons.MORE_HORIZ, color=theme.NHS_BLUE,
                    semantics_label=f"More: guidance, note, flag or photo for {item.prompt}"),
            width=TOUCH, height=TOUCH, on_click=self._more, on_focus=self._more_focused))
        meta: list[ft.Control] = []
        if item.required:
            meta.append(sem(f"req-{iid}", self.required))
        self.flags_box = sem(f"flags-{iid}", self.flags, visible=False)
        meta.append(self.flags_box)
        # A rated item (thresholds or an expected answer) shows, once answered, the rating
        # its answer suggests (or the team's) in one small line; More changes it.
        self.rated = item.rated and item.type is not AnswerType.RAG
        self.rating = ft.Text("", size=SMALL, color=theme.NHS_TEXT)
        self.rating_box = sem(f"suggested-{iid}", self.rating, visible=False)
        words = ft.Column(spacing=2, expand=True, controls=[
            ft.Text(item.prompt, size=BODY, weight=ft.FontWeight.W_600, color=theme.NHS_TEXT),
            ft.Row(meta, spacing=10, wrap=True)] if item.required else [
            ft.Text(item.prompt, size=BODY, weight=ft.FontWeight.W_600, color=theme.NHS_TEXT),
            self.flags_box])
        if self.rated:
            words.controls.append(self.rating_box)
        if spec.inline(item):
            main: ft.Control = ft.Row([words, control, self.more], spacing=10,
                                      vertical_alignment=ft.CrossAxisAlignment.CENTER)
        else:
            main = ft.Column(spacing=6, controls=[
                ft.Row([words, self.more], vertical_alignment=ft.CrossAxisAlignment.START),
                ft.Row([control]) if spec.multiline else control])
        self.extra = ft.Column(spacing=8, visible=False)  # the note, built when first opened
        self.note_field: SavingField | None = None
        self.warning: PrivacyWarning | None = None
        self.box = ft.Container(
            bgcolor=theme.WHITE, border_radius=8, key=ft.ScrollKey(row_key(iid)),
            clip_behavior=ft.ClipBehavior.NONE,  # nothing overflows; see ChoiceGroup's tiles
            padding=ft.Padding(left=14, top=6, right=6, bottom=6),
            margin=ft.Margin.only(bottom=6), border=ft.Border.all(1, theme.NHS_PALE_GREY),
            content=ft.Column(spacing=6, controls=[main, self.extra]))
        self.control = sem(f"item-{iid}", self.box)
        self.show(value)
        self.show_flags()

    def push(self) -> None:
        self.screen.app.push(self.control)

    async def focus(self) -> None:
        """Keyboard (and screen reader) focus to the item: its field, else its More."""
        try:
            if self.field is not None:
                await self.field.field.focus()
            else:
                await self.more.content.focus()
        except Exception:  # noqa: BLE001 - the row left the page meanwhile
            pass

    def _more_focused(self, e: Any) -> None:
        """Tab reached the row's last control: bring the rows after it on screen.

        Flutter moves keyboard focus in reading order by where controls are drawn; the
        rows below the visible part of the list lie under "Next unanswered" and the area
        buttons, so without this Tab would visit those between every two rows. A tap on
        More also focuses it, then clicks it within a moment: that cancels the scroll.
        """
        self._focus_turn += 1
        self.screen.app.page.run_task(self._follow_focus, self._focus_turn)

    async def _follow_focus(self, turn: int) -> None:
        await asyncio.sleep(0.25)
        if turn == self._focus_turn and self.screen._on_top():
            await self.screen.keep_following(self.item.id)

    # --- answers -------------------------------------------------------------------

    def show(self, value: Any) -> None:
        if self.choices is not None:
            self.choices.show(value)
        answered = value is not None
        if self.item.required:
            self.required.value = "Required" if answered else "Required: not answered"
            self.required.color = theme.NHS_SECONDARY_TEXT if answered else theme.NHS_RED
        shown = vm.shown_value(self.item, value) if answered else ""
        if self.item.type is AnswerType.DURATION and answered:
            self.shown.value, self.shown_box.visible = f"Saved as {shown}", True
        elif self.item.type in (AnswerType.COUNT, AnswerType.PERCENT,
                                AnswerType.TIME_OF_DAY) and answered:
            self.shown.value, self.shown_box.visible = f"Saved: {shown}", True
        else:
            self.shown_box.visible = False
        self.show_rating()

    def show_rating(self) -> None:
        if not self.rated:
            return
        answer = self.screen.area.answers.get(self.item.id)
        self.rating_box.visible = answer is not None and answer.value is not None
        if self.rating_box.visible:
            self.rating.value = vm.rating_words(
                self.item, self.screen.area.suggested_rag(self.item), answer.team_rag)

    def _rate(self, rag: str | None) -> None:
        s = self.screen
        try:
            s.model.rate_item(self.item.id, rag)
        except (UserError, StoreError) as err:
            s.app.problem(err)
            return
        self.show_rating()
        s.app.mark_saved("rating")
        s.relayout()
        s.app.push(self.control, s.progress, s.rag)

    def _pick(self, value: str) -> None:
        current = self.screen.model.value(self.item.id)
        if vm.is_multi(self.item):
            chosen: Any = vm.toggle_multi(current, value) or None
        else:
            chosen = None if current == value else value
        # The choice shows at once; the write follows straight after on the event loop
        # (in tap order). The "Saved" line says when it is on disk, and a refused write
        # puts the choice back as it was.
        assert self.choices is not None
        self.choices.show(chosen)
        self.screen.app.push(self.choices, status=False)
        self.screen.app.page.run_task(self.screen.set_answer_soon, self, chosen)

    def _save_entry(self, text: str) -> None:
        self.screen.set_answer(self, text.strip() or None, raise_errors=True)
        self.error_box.visible = False

    def _entry_error(self, err: Exception) -> None:
        self.error.value = f"Not saved: {vm.user_words(err, capital=False)}"
        self.error_box.visible = True
        self.push()

    def set_entry(self, value: Any) -> None:
        """Show a value put back by Undo in the entry field."""
        if self.field is not None:
            self.field.set_value(vm.entry_text(self.item, value))

    # --- More: guidance, note, flags, photo ----------------------------------------

    def _more(self, e: Any) -> None:
        self._focus_turn += 1  # a tap, not Tab: the list stays where it is
        item, iid, app = self.item, self.item.id, self.screen.app
        self.screen.model.touch(iid)
        lines: list[ft.Control] = [ft.Text(item.guidance or "No guidance for this item.",
                                           size=BODY, color=theme.NHS_TEXT)]
        if item.standard:
            lines.append(ft.Text(f"Standard: {item.standard}", size=BODY,
                                 weight=ft.FontWeight.W_600, color=theme.NHS_DARK_BLUE))
        if item.source:
            lines.append(ft.Text(f"Source: {item.source}", size=SMALL, italic=True,
                                 color=theme.NHS_TEXT))

        def then(action: Any) -> Any:
            def run(e: Any) -> None:
                app.page.pop_dialog()
                action()
            return run

        if self.rating_box.visible:
            lines.append(ft.Text(self.rating.value, size=BODY, color=theme.NHS_TEXT))
            lines.append(ft.Row(wrap=True, spacing=8, run_spacing=8, controls=[
                *[button(f"rate-{iid}-{c.value}", f"Team: {c.label}",
                         then(lambda v=c.value: self._rate(v))) for c in vm.RAG_CHOICES],
                button(f"rate-{iid}-suggested", "Use suggested", then(lambda: self._rate(None)))]))

        app.page.show_dialog(ft.AlertDialog(
            modal=False, semantics_label=f"More: {item.prompt}",
            title=ft.Text(item.prompt, size=18, weight=ft.FontWeight.BOLD,
                          color=theme.NHS_DARK_BLUE),
            scrollable=True,  # the dialog as tall as its words, scrolling only if need be
            content=ft.Container(width=560, content=sem(f"guidance-{iid}", ft.Column(
                lines, spacing=8, tight=True))),
            actions=[ft.Row(wrap=True, spacing=8, run_spacing=8, controls=[
                button(f"note-btn-{iid}", "Note", then(self.open_note), icon=ft.Icons.EDIT_NOTE),
                button(f"flag-strength-{iid}", "Strength", then(lambda: self._flag("strength")),
                       icon=ft.Icons.THUMB_UP_OUTLINED),
                button(f"flag-concern-{iid}", "Concern", then(lambda: self._flag("concern")),
                       icon=ft.Icons.FLAG_OUTLINED),
                button(f"photo-{iid}", "Photo", then(self._photo),
                       icon=ft.Icons.ADD_A_PHOTO_OUTLINED),
                button(f"more-close-{iid}", "Close", lambda e: app.page.pop_dialog(),
                       primary=True),
            ])]))

    def open_note(self) -> None:
        if self.note_field is None:
            iid = self.item.id
            self.warning = PrivacyWarning(f"note-{iid}-warn", self._confirm_note)
            self.note_field = SavingField(f"note-{iid}", "Note (no patient details)",
                                          self.screen.model.note(iid) or "", self._save_note,
                                          multiline=True, on_error=self._note_error,
                                          on_edit=self._note_edited)
            self.note_field.after_commit = self.push
            self.screen.fields.append(self.note_field)
            self.extra.controls.extend([wide(self.note_field.control), self.warning])
        self.extra.visible = True
        self.push()

    def _note_edited(self, text: str) -> None:
        """The warning goes as soon as the text no longer looks like patient data."""
        if self.warning is not None and self.warning.visible and not find_patient_data(text):
            self.warning.hide()
            self.push()

    def _save_note(self, text: str, confirmed: bool = False) -> None:
        s = self.screen
        s.app.services.visits.set_note(s.visit_id, s.key, self.item.id, text,
                                       author=s.model.author, confirmed=confirmed)
        a = s.model.area.answers.setdefault(self.item.id, AnswerState())
        a.note = text.strip() or None
        a.note_confirmed = confirmed
        s.model.touch(self.item.id)
        if self.warning is not None:
            self.warning.hide()
        self.show_flags()
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
        """Small markers for what is attached: a note, flagged findings and photos."""
        model, iid = self.screen.model, self.item.id
        words = vm.item_markers(model.state, model.key, iid, bool(model.note(iid)))
        self.flags.value = " · ".join(words)
        self.flags_box.visible = bool(words)

    def _flag(self, kind: str) -> None:
        from visitapp.ui.dialogs import FindingDialog

        s = self.screen
        FindingDialog(s.app, s.visit_id, s.model.state, on_saved=s.findings_changed, kind=kind,
                      text=vm.flag_text(self.item, s.model.value(self.item.id)),
                      pathway=vm.default_pathway(self.item), area_key=s.key,
                      item_ids=[self.item.id]).open()

    def _photo(self) -> None:
        from visitapp.ui.dialogs import attach_photo_flow

        s = self.screen
        s.app.page.run_task(attach_photo_flow, s.app, s.visit_id, s.key, self.item.id,
                            s.findings_changed)


class ChecklistScreen:
    # Rows sent with the screen itself; the rest follow straight after it is shown, so
    # the first screenful appears without waiting for a long checklist to be serialised.
    FIRST_SCREEN = 12

    def __init__(self, app: Any, visit_id: str, key: str) -> None:
        self.app = app
        self.visit_id = visit_id
        self.key = key
        self.route = f"/visit/{visit_id}/area/{key}"
        self.model = vm.ChecklistViewModel(app.services.visits, app.prefs, visit_id, key,
                                           app.author(visit_id))
        area = self.model.area
        self.fields: list[SavingField] = []
        self.rows: dict[str, ItemRow] = {}
        self.headings: dict[str, ft.Control] = {}
        # One column per section inside the list: a show_if change or the late filling of
        # a section then sends that section alone.
        self.sections = [(sec, ft.Column(spacing=0,
                                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH))
                         for sec in area.form.sections]
        self.shown: dict[str, list[str]] = {}
        self.progress = ft.Text("", size=BODY, weight=ft.FontWeight.W_600,
                                color=theme.NHS_TEXT)
        self.rag = ft.Container()
        self._worst: str | None = None
        self._resume_to: str | None = self.model.current
        self.list = ft.Column(expand=True, spacing=0, scroll=ft.ScrollMode.AUTO,
                              horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        # Exemplar practice for this kind of area, after the checklist (office library).
        ideas = ideas_card(app.services.visits.exemplars(area.kind))
        self.list.controls = [col for _, col in self.sections] + ([ideas] if ideas else [])
        self.filter = ToggleTile("only-unanswered", "Only unanswered", self._filter)
        self.done = ToggleTile("area-done", "Area done", self._set_done, value=area.done)
        tools = sem("checklist-tools", ft.Row(wrap=True, spacing=12, run_spacing=4, controls=[
            button("section-index", "Sections", self._section_index, icon=ft.Icons.TOC),
            self.filter, self.done, sem("area-rag", self.rag)],
            vertical_alignment=ft.CrossAxisAlignment.CENTER))
        before, after = vm.neighbours(self.model.state, key)
        nav = ft.Row(spacing=12, controls=[
            button("prev-area", f"Previous: {before.label}" if before else "Previous area",
                   (lambda e: self.go_area(before.key)) if before else None,
                   icon=ft.Icons.ARROW_BACK, expand=True),
            button("overview", "Overview", lambda e: app.go(f"/visit/{visit_id}"),
                   icon=ft.Icons.DASHBOARD),
            button("next-area", f"Next: {after.label}" if after else "Next area",
                   (lambda e: self.go_area(after.key)) if after else None,
                   icon=ft.Icons.ARROW_FORWARD, expand=True),
        ])
        if before is None:
            nav.controls[0].content.disabled = True
        if after is None:
            nav.controls[2].content.disabled = True
        # Progress and the way to what is left sit at thumb height, above the area buttons.
        thumb = ft.Row(spacing=10, vertical_alignment=ft.CrossAxisAlignment.CENTER, controls=[
                           ft.Container(sem("area-progress", self.progress), expand=True),
                           button("next-unanswered", "Next unanswered",
                                  lambda e: self.go_next(required_only=False),
                                  icon=ft.Icons.SKIP_NEXT, primary=True),
                           button("next-required", "Next required",
                                  lambda e: self.go_next(required_only=True),
                                  icon=ft.Icons.PRIORITY_HIGH)])
        # The name first: on a narrow (portrait) bar the end of the line is cut, not who I am.
        me = self.model.author or "I am: not set"
        bar = appbar(app, area.label, f"{me} · {self.model.state.title}")
        self.view = view(self.route, bar, [tools, self.list, thumb, nav], spacing=8)
        self.relayout(limit=self.FIRST_SCREEN)

    @property
    def area(self) -> Any:
        return self.model.area

    @property
    def state(self) -> Any:
        return self.model.state

    # --- list ----------------------------------------------------------------------

    def after_show(self) -> None:
        if any(sec.id not in self.shown for sec, _ in self.sections) or self._resume_to:
            self.app.page.run_task(self._complete)

    async def _complete(self) -> None:
        """Fill the sections left out of the first screen, one at a time, so a tap in
        the meantime is answered between two of them; then return to where the user was."""
        for sec, col in self.sections:
            if sec.id in self.shown or not self._on_top():
                continue
            await asyncio.sleep(0.02)
            self._fill(sec, col, self.model.shown_ids())
            self.app.push(col, status=False)
        target, self._resume_to = self._resume_to, None
        if target and target in self.rows and self._on_top():
            await asyncio.sleep(0.1)  # let the browser lay the list out first
            await self.scroll_to_item(target, focus=False)

    def _on_top(self) -> bool:
        return self.app.screens.get(self.app.current) is self

    def _heading(self, sec: Section) -> ft.Control:
        h = self.headings.get(sec.id)
        if h is None:
            h = self.headings[sec.id] = sem(f"heading-{sec.id}", ft.Container(
                ft.Text(sec.title, size=18, weight=ft.FontWeight.BOLD,
                        color=theme.NHS_DARK_BLUE),
                key=ft.ScrollKey(section_key(sec.id)),
                padding=ft.Padding(left=4, top=8, right=4, bottom=6)))
        return h

    def _fill(self, sec: Section, col: ft.Column, visible: set[str]) -> bool:
        """Put a section's visible rows in its column; True when they changed."""
        ids = [i.id for i in sec.items if i.id in visible]
        if self.shown.get(sec.id) == ids:
            return False
        controls: list[ft.Control] = [self._heading(sec)] if ids else []
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
        """Show the items visible now (show_if and the filter), reusing rows already built;
        returns the section columns that changed. With `limit`, fills whole sections until
        about that many rows (the first screen); later sections wait for `_complete`."""
        visible = self.model.shown_ids()
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
        self.progress.value = self.model.progress_text()
        worst = self.area.rag().overall
        if worst != self._worst or self.rag.content is None:
            self._worst = worst
            self.rag.content = rag_badge(worst)
        return changed

    # --- answers -------------------------------------------------------------------

    def set_answer(self, row: ItemRow, raw: Any, raise_errors: bool = False) -> None:
        try:
            value, undo = self.model.set_answer(row.item.id, raw)
        except (UserError, StoreError) as err:
            if raise_errors:
                raise
            row.show(self.model.value(row.item.id))  # back to what is stored
            self.app.push(row.control, status=False)
            self.app.problem(err)  # said in words
            return
        row.show(value)
        self.app.mark_saved("answer")
        changed = self.relayout()
        self.app.push(*(changed or [row.control]), self.progress, self.rag)
        if undo is not None and undo.previous is not None:
            # Undo is offered where an answer was replaced or cleared (a first answer is
            # undone by tapping it again).
            self.app.offer_undo(undo.message, lambda: self._undo(undo))

    async def set_answer_soon(self, row: ItemRow, raw: Any) -> None:
        await asyncio.sleep(0.001)  # let the choice reach the screen first
        self.set_answer(row, raw)

    def _undo(self, step: vm.UndoStep) -> None:
        try:
            value = self.model.undo(step)
        except (UserError, StoreError) as err:
            self.app.problem(err)
            return
        row = self.rows.get(step.item_id)
        if row is not None:
            row.show(value)
            row.set_entry(value)
        self.app.mark_saved("answer")
        changed = self.relayout()
        self.app.push(*(changed or ([row.control] if row else [])), self.progress, self.rag)

    def findings_changed(self) -> None:
        self.model.reload()
        for row in self.rows.values():
            row.show_flags()

    # --- moving about ----------------------------------------------------------------

    def go_next(self, required_only: bool) -> None:
        target = self.model.next_to_answer(required_only)
        if target is None:
            self.app.toast("Every required item is answered." if required_only
                           else "Every item is answered.")
            return
        self.model.touch(target)
        self.app.page.run_task(self.scroll_to_item, target)

    async def scroll_to_item(self, item_id: str, focus: bool = True) -> None:
        """Bring an item on screen (filling its section first) and give it focus."""
        sec_id = self.model.section_of(item_id)
        for sec, col in self.sections:
            if sec.id == sec_id and self._fill(sec, col, self.model.shown_ids()):
                self.app.push(col, status=False)
        if item_id not in self.rows:
            return
        await self.list.scroll_to(scroll_key=row_key(item_id), duration=250)
        if focus:
            await self.rows[item_id].focus()

    async def keep_following(self, item_id: str) -> None:
        """Scroll so the row before `item_id` is at the top: the row itself second, and
        the rows after it on screen for the next Tab (the one before for Shift+Tab)."""
        order = [i for sec, _ in self.sections for i in self.shown.get(sec.id, [])]
        if item_id not in order:
            return
        before = order[max(order.index(item_id) - 1, 0)]
        await self.list.scroll_to(scroll_key=row_key(before), duration=150)

    def _filter(self, only_unanswered: bool) -> None:
        self.model.set_filter(only_unanswered)
        # every section at once: the filter can empty or fill any of them
        visible = self.model.shown_ids()
        for sec, col in self.sections:
            self._fill(sec, col, visible)
        self.app.push(self.list, self.filter, status=False)

    def _set_done(self, done: bool) -> None:
        try:
            self.model.set_done(done)
        except (UserError, StoreError) as err:
            self.done.show(not done)
            self.app.problem(err)
            return
        self.app.mark_saved("area done" if done else "area not done")
        self.app.push(self.done)

    def _section_index(self, e: Any) -> None:
        page = self.app.page

        def go(section_id: str) -> Any:
            async def run(e: Any) -> None:
                page.pop_dialog()
                for sec, col in self.sections:
                    if sec.id == section_id and self._fill(sec, col, self.model.shown_ids()):
                        self.app.push(col, status=False)
                await self.list.scroll_to(scroll_key=section_key(section_id), duration=250)
            return run

        entries = [button(f"go-section-{sid}", f"{title} ({done})", go(sid))
                   for sid, title, done in self.model.section_index()]
        page.show_dialog(ft.AlertDialog(
            semantics_label="Sections of this area", scrollable=True,
            title=ft.Text("Sections", color=theme.NHS_DARK_BLUE),
            content=ft.Container(width=520, content=ft.Column(
                entries, spacing=8, tight=True,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH)),
            actions=[button("sections-close", "Close", lambda e: page.pop_dialog())]))

    def leave(self) -> None:
        """Save whatever is still being typed before the screen goes."""
        for f in self.fields:
            f.commit()

    def go_area(self, key: str) -> None:
        self.app.go(f"/visit/{self.visit_id}/area/{key}")
