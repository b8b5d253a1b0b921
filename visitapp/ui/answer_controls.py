"""The answer-type table: which control each answer type gets on a checklist item.

Every `AnswerType` has one row here (a test checks it): tappable choices, or an entry
field with its keyboard, hint, unit and width. The checklist builds rows from this table
and never asks about answer types itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import flet as ft

from visitapp.domain.forms import AnswerType, Item
from visitapp.ui import viewmodels as vm


@dataclass(frozen=True)
class AnswerControl:
    """How one answer type is given on screen."""

    choices: bool  # tappable choices (else an entry field)
    multi: bool = False  # any number of choices at once
    keyboard: ft.KeyboardType = ft.KeyboardType.TEXT
    multiline: bool = False
    entry_width: int | None = 200  # None: the full width of the row
    tile_width: int | None = None  # choices of one fixed width (RAG: three equal tiles)

    def inline(self, item: Item) -> bool:
        """Answer beside the question (a compact row) rather than under it."""
        if not self.choices:
            return not self.multiline
        return not self.multi and len(vm.choices_for(item)) <= 3


ANSWER_CONTROLS: dict[AnswerType, AnswerControl] = {
    AnswerType.RAG: AnswerControl(choices=True, tile_width=112),
    AnswerType.YES_NO: AnswerControl(choices=True),
    AnswerType.YES_NO_PARTIAL: AnswerControl(choices=True),
    AnswerType.SINGLE_CHOICE: AnswerControl(choices=True),
    AnswerType.MULTI_CHOICE: AnswerControl(choices=True, multi=True),
    AnswerType.COUNT: AnswerControl(choices=False, keyboard=ft.KeyboardType.NUMBER),
    AnswerType.DURATION: AnswerControl(choices=False, keyboard=ft.KeyboardType.TEXT),
    AnswerType.PERCENT: AnswerControl(choices=False, keyboard=ft.KeyboardType.NUMBER),
    AnswerType.TIME_OF_DAY: AnswerControl(choices=False, keyboard=ft.KeyboardType.DATETIME),
    AnswerType.TEXT: AnswerControl(choices=False, keyboard=ft.KeyboardType.MULTILINE,
                                   multiline=True, entry_width=None),
}
