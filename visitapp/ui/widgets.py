"""Small building blocks shared by the screens: labelled controls, choice groups, text
fields that save themselves, and the inline privacy warning.

Every interactive control is wrapped in `ft.Semantics(identifier=...)`: that names it for
a screen reader and is how the browser tests find it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.theme import BODY, SMALL, TOUCH  # noqa: F401 - re-exported to the screens


def app_theme() -> ft.Theme:
    """NHS colours, 48 px buttons with 16 px words."""
    shape = ft.RoundedRectangleBorder(radius=6)
    words = ft.TextStyle(size=BODY, weight=ft.FontWeight.W_600)
    padding = ft.Padding.symmetric(horizontal=18, vertical=12)
    return ft.Theme(
        color_scheme_seed=theme.NHS_BLUE,
        filled_button_theme=ft.FilledButtonTheme(style=ft.ButtonStyle(
            color={ft.ControlState.DISABLED: theme.NHS_SECONDARY_TEXT, ft.ControlState.DEFAULT: theme.WHITE},
            bgcolor={ft.ControlState.DISABLED: theme.NHS_PALE_GREY,
                     ft.ControlState.DEFAULT: theme.NHS_BLUE},
            shape=shape, text_style=words, padding=padding)),
        outlined_button_theme=ft.OutlinedButtonTheme(style=ft.ButtonStyle(
            color={ft.ControlState.DISABLED: theme.NHS_SECONDARY_TEXT, ft.ControlState.DEFAULT: theme.NHS_BLUE},
            bgcolor=theme.WHITE, shape=shape, text_style=words, padding=padding,
            side={ft.ControlState.DISABLED: ft.BorderSide(1, theme.NHS_PALE_GREY),
                  ft.ControlState.DEFAULT: ft.BorderSide(1.5, theme.NHS_BLUE)})),
        text_button_theme=ft.TextButtonTheme(style=ft.ButtonStyle(
            color=theme.NHS_BLUE, padding=ft.Padding.symmetric(horizontal=10),
            text_style=ft.TextStyle(size=SMALL, weight=ft.FontWeight.W_600))),
    )


def painted_alone(control: ft.Control) -> ft.Screenshot:
    """`control` on its own paint layer (a Flutter RepaintBoundary), so that what animates
    inside it repaints it alone.

    An inked box's ripple and hover highlight take a frame each for a few hundred ms after
    a tap, and each frame repaints up to the nearest boundary: without one, the checklist's
    whole scrolling column (60 rows of words, tiles and borders, in software rendering),
    and the frame that shows the tapped choice waits behind those (bench/README.md).
    Flet 1.0 has no RepaintBoundary control; `Screenshot` is one (it adds nothing else).
    """
    return ft.Screenshot(content=control)


def sem(ident: str, content: ft.Control, label: str | None = None, **kw: Any) -> ft.Semantics:
    return ft.Semantics(identifier=ident, label=label, content=content, container=True, **kw)


def wide(control: ft.Control) -> ft.Row:
    """Stretch a control (a text field) across the width it is given."""
    control.expand = True
    return ft.Row([control])


def heading(text: str, size: int = 22, ident: str | None = None) -> ft.Control:
    t = ft.Text(text, size=size, weight=ft.FontWeight.BOLD, color=theme.NHS_DARK_BLUE)
    return sem(ident, t) if ident else t


def body(text: str, size: int = BODY, color: str = theme.NHS_TEXT, **kw: Any) -> ft.Text:
    return ft.Text(text, size=size, color=color, **kw)


def button(ident: str, text: str, on_click: Callable[..., Any] | None = None, *,
           icon: Any = None, primary: bool = False, danger: bool = False,
           expand: bool | int | None = None, tooltip: str | None = None) -> ft.Semantics:
    """A 48 px button labelled in words (and optionally an icon)."""
    # Colours, padding and shape come from the theme (`app_theme`): a style object per
    # button costs serialisation time on every screen that shows many of them.
    style = None
    if danger:
        style = ft.ButtonStyle(color=theme.WHITE if primary else theme.NHS_RED,
                               bgcolor=theme.NHS_RED if primary else theme.WHITE,
                               side=None if primary else ft.BorderSide(1.5, theme.NHS_RED))
    cls = ft.FilledButton if primary else ft.OutlinedButton
    ctl: ft.Control = cls(content=text, icon=icon, on_click=on_click, style=style,
                          height=TOUCH, tooltip=tooltip)
    return ft.Semantics(identifier=ident, content=ctl, container=True, expand=expand)


class ChoiceGroup(ft.Semantics):
    """Large tappable choices with the word on each (RAG, yes/no, options).

    A chosen choice is filled with its colour and shows a tick icon, so colour is never the
    only signal; its semantics node reports `checked` (aria-checked in the browser).
    """

    def __init__(self, ident: str, choices: Sequence[vm.Choice], value: Any,
                 on_pick: Callable[[str], None], *, multi: bool = False, label: str = "",
                 wide: bool = False, tile_width: int | None = None,
                 spacing: int = 12) -> None:
        self.ident_prefix = ident
        self.choices = list(choices)
        self.multi = multi
        self.on_pick = on_pick
        self._tiles: dict[str, ft.Semantics] = {}
        width = tile_width or (150 if wide else None)
        row = ft.Row(wrap=True, spacing=spacing, run_spacing=8, tight=True,
                     controls=[self._tile(c, width) for c in self.choices])
        # one layer per group: a tap repaints its own choices, not the screen around them
        super().__init__(identifier=ident, label=label or None, container=True,
                         content=painted_alone(row))
        self.show(value)

    def _tile(self, choice: vm.Choice, width: int | None) -> ft.Semantics:
        icon = ft.Icon(ft.Icons.CHECK_CIRCLE, size=20, visible=False)
        # a choice with its own colour (RAG) shows it as a dot even when not chosen
        text = ft.Text(choice.label, size=BODY, weight=ft.FontWeight.W_600)
        row = ft.Row([icon, text], spacing=6, tight=True, alignment=ft.MainAxisAlignment.CENTER)
        # `checked` makes the browser say "checked" / "not checked" (a role=checkbox with
        # aria-checked), where `selected` only gave aria-current. The inked box is what Tab
        # reaches (and Space or Enter taps); the checked state and the word sit inside it,
        # so the focused node is the named checkbox. The identifier goes on a node around
        # it: on the same node, it would split the name from the focus.
        state = ft.Semantics(label=choice.label, checked=False, exclude_semantics=True,
                             content=row)
        box = ft.Container(
            content=state, padding=ft.Padding.symmetric(horizontal=14, vertical=13),
            border_radius=6, width=width, ink=True, ink_color=theme.NHS_PALE_GREY,
            # the rounded corners are drawn by the border; a rounded clip (Flet's default
            # with a radius) is redone in every ink frame, in software, and clips nothing
            clip_behavior=ft.ClipBehavior.NONE,
            on_click=lambda e, v=choice.value: self.on_pick(v),
        )
        tile = ft.Semantics(identifier=f"{self.ident_prefix}-{choice.value}", container=True,
                            content=box)
        tile.data = (choice, box, icon, text, state)
        self._tiles[choice.value] = tile
        return tile

    def show(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, list) else ({value} if value else set())
        for v, tile in self._tiles.items():
            choice, box, icon, text, state = tile.data
            on = v in chosen
            state.checked = on
            box.bgcolor = choice.colour if on else theme.WHITE
            box.border = ft.Border.all(2, choice.colour if on else theme.NHS_MID_GREY)
            text.color = choice.on_colour if on else theme.NHS_TEXT
            coloured = choice.colour != theme.NHS_BLUE
            icon.icon = ft.Icons.CHECK_CIRCLE if on else ft.Icons.CIRCLE
            icon.color = choice.on_colour if on else choice.colour
            icon.visible = on or coloured


class SavingField:
    """A text field that saves itself: after a short pause in typing, on Enter and on blur.

    `save(text)` returns None when stored, or raises; `on_error` shows the problem. Saving
    the same text twice is skipped.
    """

    PAUSE = 0.8

    def __init__(self, ident: str, label: str, value: str, save: Callable[[str], None], *,
                 multiline: bool = False, hint: str | None = None, suffix: str | None = None,
                 keyboard: ft.KeyboardType = ft.KeyboardType.TEXT, width: int | None = None,
                 on_error: Callable[[Exception], None] | None = None,
                 expand: bool | None = None, on_focus: Callable[[], None] | None = None,
                 on_edit: Callable[[str], None] | None = None) -> None:
        self._save = save
        self._on_edit = on_edit
        self._saved = value
        self._task: asyncio.Task[None] | None = None
        self.on_error = on_error
        self.field = ft.TextField(
            label=label, value=value, multiline=multiline, min_lines=1,
            max_lines=4 if multiline else 1, shift_enter=multiline, hint_text=hint,
            suffix=suffix, keyboard_type=keyboard, width=width, text_size=BODY,
            on_change=self._changed, on_blur=self._commit_event, on_submit=self._commit_event,
            expand=expand, on_focus=(lambda e: on_focus()) if on_focus else None,
        )
        self.after_commit: Callable[[], None] | None = None
        self.control = sem(ident, self.field, expand=expand)

    @property
    def value(self) -> str:
        return self.field.value or ""

    def set_value(self, value: str) -> None:
        self.field.value = value
        self._saved = value

    def mark_saved(self, text: str) -> None:
        self._saved = text

    def _changed(self, e: ft.ControlEvent) -> None:
        if self._on_edit is not None:
            self._on_edit(self.value)
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.get_running_loop().create_task(self._later())

    async def _later(self) -> None:
        try:
            await asyncio.sleep(self.PAUSE)
        except asyncio.CancelledError:
            return
        self._task = None
        self.commit()
        if self.after_commit is not None:
            self.after_commit()
        elif self.field.page is not None:
            self.field.update()

    def _commit_event(self, e: ft.ControlEvent) -> None:
        self.commit()

    def commit(self) -> bool:
        """Save now if the text changed; True when nothing is left unsaved."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        text = self.value
        if text == self._saved:
            return True
        try:
            self._save(text)
        except Exception as err:  # shown inline by the owner
            if self.on_error is None:
                raise
            self.on_error(err)
            return False
        self._saved = text
        self.field.error = None
        return True


class PrivacyWarning(ft.Container):
    """The inline warning shown when text looks like patient data."""

    def __init__(self, ident: str, on_confirm: Callable[[], None]) -> None:
        self.message = ft.Text("", size=SMALL, color=theme.NHS_TEXT)
        super().__init__(
            visible=False, bgcolor="#FFF4D6", padding=12, border_radius=6,
            border=ft.Border.all(2, theme.NHS_WARM_YELLOW),
            content=ft.Column(spacing=8, controls=[
                ft.Row([ft.Icon(ft.Icons.WARNING_AMBER, color=theme.NHS_TEXT),
                        ft.Text("Possible patient data", weight=ft.FontWeight.BOLD,
                                size=BODY, color=theme.NHS_TEXT)]),
                sem(f"{ident}-message", self.message),
                button(f"{ident}-confirm", "It is not patient data: save it",
                       lambda e: on_confirm(), icon=ft.Icons.CHECK),
            ]))

    def show(self, reasons: Sequence[str]) -> None:
        self.message.value = vm.privacy_warning_text(reasons)
        self.visible = True

    def hide(self) -> None:
        self.visible = False


def rag_badge(worst: str | None, ident: str | None = None) -> ft.Control:
    choice = vm.RAG_BY_VALUE.get(worst or "")
    if choice is None:
        box = ft.Container(ft.Text("Not rated yet", size=SMALL, color=theme.NHS_TEXT),
                           padding=ft.Padding.symmetric(horizontal=10, vertical=4),
                           border=ft.Border.all(1, theme.NHS_MID_GREY), border_radius=12)
    else:
        box = ft.Container(ft.Text(f"Area rating: {choice.label}", size=SMALL,
                                   color=choice.on_colour, weight=ft.FontWeight.BOLD),
                           bgcolor=choice.colour, border_radius=12,
                           padding=ft.Padding.symmetric(horizontal=10, vertical=4))
    return sem(ident, box) if ident else box


class ToggleTile(ft.Semantics):
    """A 48 px switch in words (like "Only unanswered"), announced as checked or not, and
    reached by Tab like the answer choices (an inked box holding its checked state)."""

    def __init__(self, ident: str, label: str, on_toggle: Callable[[bool], None],
                 value: bool = False) -> None:
        self.on_toggle = on_toggle
        self.icon = ft.Icon(ft.Icons.CHECK_BOX_OUTLINE_BLANK, size=22, color=theme.NHS_BLUE)
        self.state = ft.Semantics(label=label, checked=value, exclude_semantics=True,
                                  content=ft.Row([self.icon, ft.Text(
                                      label, size=BODY, weight=ft.FontWeight.W_600,
                                      color=theme.NHS_BLUE)], spacing=6, tight=True))
        self.box = ft.Container(
            content=self.state, height=TOUCH, padding=ft.Padding.symmetric(horizontal=10),
            border_radius=6, ink=True, ink_color=theme.NHS_PALE_GREY,
            on_click=lambda e: self.flip())
        super().__init__(identifier=ident, container=True, content=painted_alone(self.box))
        self.show(value)

    def flip(self) -> None:
        self.show(not self.is_on)
        self.on_toggle(self.is_on)

    def show(self, value: bool) -> None:
        self.is_on = value
        self.state.checked = value
        self.icon.icon = ft.Icons.CHECK_BOX if value else ft.Icons.CHECK_BOX_OUTLINE_BLANK
