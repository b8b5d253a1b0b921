"""The key messages on the feedback screen: the team edits, adds, removes and reorders
what the report leads with. The words and the order live in `KeyMessagesEditor` (no
flet); this draws it. Each control acting on a message is named with the message's words
for a screen reader ("Move up: Handovers over an hour...") and is a 48 px target.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from visitapp.errors import UserError
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.dialogs import save_from_dialog
from visitapp.ui.layout import card
from visitapp.ui.viewmodels.key_messages import KeyMessagesEditor, colour_words
from visitapp.ui.widgets import (
    BODY,
    SMALL,
    TOUCH,
    ChoiceGroup,
    PrivacyWarning,
    button,
    sem,
)

NO_COLOUR = "none"
COLOUR_CHOICES = (*vm.RAG_CHOICES, vm.Choice(NO_COLOUR, "No colour", theme.NHS_SECONDARY_TEXT))


class KeyMessagesPanel:
    """A card listing the messages with their controls; `refresh()` after any change."""

    def __init__(self, app: Any, visit_id: str, on_changed: Callable[[], None]) -> None:
        self.app = app
        self.visit_id = visit_id
        self.on_changed = on_changed
        self.editor = KeyMessagesEditor(app.services, visit_id,
                                        author=lambda: app.author(visit_id))
        self.rows = ft.Column(spacing=10)
        self.title = ft.Text("", size=19, weight=ft.FontWeight.BOLD, color=theme.NHS_DARK_BLUE)
        self.source = ft.Text("", size=SMALL, color=theme.NHS_SECONDARY_TEXT)
        self.add_btn = button("km-add", "Add a key message", lambda e: self._open(None),
                              icon=ft.Icons.ADD)
        self.draft_btn = button("km-draft", "Go back to the draft", self._use_draft,
                                icon=ft.Icons.RESTORE)
        self.control = card(ft.Column(spacing=10, controls=[
            sem("km-heading", self.title), sem("km-source", self.source), self.rows,
            ft.Row(wrap=True, spacing=10, run_spacing=10,
                   controls=[self.add_btn, self.draft_btn])]))
        self._draw()

    def refresh(self) -> None:
        self.editor.reload()
        self._draw()

    def _draw(self) -> None:
        ed = self.editor
        self.title.value = ed.heading()
        self.source.value = ed.source_text()
        self.rows.controls = [self._row(i) for i in range(len(ed.messages))]
        self.add_btn.content.disabled = not ed.can_add
        self.draft_btn.visible = ed.set_by_team

    def _row(self, i: int) -> ft.Control:
        m = self.editor.messages[i]
        names = self.editor.names(i)
        last = len(self.editor.messages) - 1

        def arrow(what: str, icon: Any, step: int, disabled: bool) -> ft.Control:
            # The icon's label names the button itself (as the app bar's Back does).
            btn = ft.IconButton(icon=ft.Icon(icon, size=26, color=theme.NHS_BLUE,
                                             semantics_label=names[what]),
                                width=TOUCH, height=TOUCH, disabled=disabled,
                                on_click=lambda e: self._run(lambda: self.editor.move(i, step)))
            return ft.Semantics(identifier=f"km-{what}-{i}", label=names[what],
                                container=True, content=btn)

        def named(what: str, text: str, on_click: Callable[..., Any], **kw: Any) -> ft.Control:
            # One button named with the message's words ("Edit: Handovers..."), not a
            # group around a button called only "Edit".
            ctl = button(f"km-{what}-{i}", text, on_click, **kw)
            ctl.label, ctl.button, ctl.exclude_semantics = names[what], True, True
            return ctl

        return sem(f"km-{i}", ft.Container(
            bgcolor=theme.WHITE, border_radius=6, border=ft.Border.all(1, theme.NHS_PALE_GREY),
            padding=ft.Padding.only(left=4, top=8, right=12, bottom=8),
            content=ft.Row(spacing=8, vertical_alignment=ft.CrossAxisAlignment.START, controls=[
                ft.Column(spacing=0, controls=[
                    arrow("up", ft.Icons.ARROW_UPWARD, -1, i == 0),
                    arrow("down", ft.Icons.ARROW_DOWNWARD, 1, i == last)]),
                ft.Column(spacing=8, expand=True, controls=[
                    sem(f"km-text-{i}", ft.Text(f"{i + 1}. {m.text}", size=BODY,
                                                color=theme.NHS_TEXT)),
                    ft.Row(wrap=True, spacing=8, run_spacing=8,
                           vertical_alignment=ft.CrossAxisAlignment.CENTER, controls=[
                        colour_chip(m.rag),
                        named("edit", "Edit", lambda e: self._open(i), icon=ft.Icons.EDIT),
                        named("remove", "Remove", lambda e: self._remove(i),
                              icon=ft.Icons.DELETE_OUTLINE, danger=True)])]),
            ])))

    # --- commands ------------------------------------------------------------------

    def _run(self, command: Callable[[], object], what: str = "key messages") -> bool:
        try:
            command()
        except UserError as err:
            self.app.problem(err)
            self.refresh()  # show what is stored, not what was tried
            return False
        self.app.mark_saved(what)
        self.on_changed()
        return True

    def _remove(self, i: int) -> None:
        gone = self.editor.messages[i]
        if self._run(lambda: self.editor.remove(i), "removal"):
            self.app.offer_undo("Key message removed",
                                lambda: self._undo_remove(i, gone))

    def _undo_remove(self, i: int, gone: Any) -> None:
        self._run(lambda: self.editor.restore(i, gone))
        self.app.page.update()

    def _use_draft(self, e: ft.ControlEvent) -> None:
        self._run(self.editor.use_draft)

    def _open(self, index: int | None) -> None:
        KeyMessageDialog(self.app, self.editor, index, on_saved=self.on_changed).open()


def colour_chip(rag: str | None) -> ft.Control:
    """The message's colour, always with its word."""
    choice = vm.RAG_BY_VALUE.get(rag or "")
    # One width for every colour, so the buttons beside it line up down the list.
    box = ft.Container(width=96, alignment=ft.Alignment.CENTER, border_radius=12,
                       padding=ft.Padding.symmetric(horizontal=8, vertical=4))
    if choice is None:
        box.content = ft.Text(colour_words(rag), size=SMALL, color=theme.NHS_TEXT)
        box.border = ft.Border.all(1, theme.NHS_MID_GREY)
    else:
        box.content = ft.Text(choice.label, size=SMALL, color=choice.on_colour,
                              weight=ft.FontWeight.BOLD)
        box.bgcolor = choice.colour
    return box


class KeyMessageDialog:
    """Change one message's words and colour, or add one; the privacy guard speaks inline."""

    def __init__(self, app: Any, editor: KeyMessagesEditor, index: int | None, *,
                 on_saved: Callable[[], None]) -> None:
        self.app, self.editor, self.index, self.on_saved = app, editor, index, on_saved
        current = editor.messages[index] if index is not None else None
        self.rag = (current.rag if current else None) or NO_COLOUR
        self.text = ft.TextField(label="Key message: one sentence, no patient details",
                                 value=current.text if current else "", multiline=True,
                                 min_lines=2, max_lines=5, text_size=BODY,
                                 on_change=lambda e: self.warning.hide())
        self.colour = ChoiceGroup("km-colour", COLOUR_CHOICES, self.rag, self._pick,
                                  label="Colour")
        self.warning = PrivacyWarning("km-warn", lambda: self._save(confirmed=True))
        self.error = ft.Text("", color=theme.NHS_RED, size=BODY, visible=False)

    def _pick(self, value: str) -> None:
        self.rag = value
        self.colour.show(value)

    def open(self) -> None:
        title = "Add a key message" if self.index is None else f"Edit key message {self.index + 1}"
        content = ft.Column(tight=True, spacing=10, controls=[
            ft.Row([sem("km-text", self.text, expand=True)]), self.warning,
            ft.Text("Colour", size=BODY, weight=ft.FontWeight.W_600), self.colour,
            self.error])
        self.app.page.show_dialog(ft.AlertDialog(
            modal=True, title=ft.Text(title, color=theme.NHS_DARK_BLUE), semantics_label=title,
            content=ft.Container(content, width=640),
            actions=[button("km-cancel", "Cancel", lambda e: self.app.page.pop_dialog()),
                     button("km-save", "Save key message", lambda e: self._save(),
                            primary=True)]))

    def _save(self, confirmed: bool = False) -> None:
        rag = None if self.rag == NO_COLOUR else self.rag
        save_from_dialog(
            self.app,
            lambda: self.editor.save(self.index, self.text.value or "", rag, confirmed),
            warning=self.warning, error=self.error, not_done="Not saved",
            saved_what="key message", on_done=self.on_saved)
