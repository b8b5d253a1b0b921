"""What every screen shares: the app bar with its status line, the view, cards, and
the save step of a dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from visitapp.errors import PatientDataWarning, UserError
from visitapp.ui import viewmodels as vm


def appbar(app: Any, title: str, subtitle: str | None = None) -> ft.AppBar:
    title_ctl: ft.Control = ft.Text(title, size=20, weight=ft.FontWeight.BOLD, color=vm.WHITE,
                                    overflow=ft.TextOverflow.ELLIPSIS)
    if subtitle:
        title_ctl = ft.Column(spacing=0, tight=True, controls=[
            title_ctl, ft.Text(subtitle, size=13, color=vm.WHITE,
                               overflow=ft.TextOverflow.ELLIPSIS)])
    return ft.AppBar(title=title_ctl, bgcolor=vm.NHS_BLUE, color=vm.WHITE,
                     toolbar_height=64, actions=[app.status_bar()])


def view(route: str, bar: ft.AppBar, controls: list[ft.Control], **kw: Any) -> ft.View:
    return ft.View(route=route, appbar=bar, controls=controls, bgcolor=vm.NHS_GREY_BG,
                   padding=ft.Padding.symmetric(horizontal=16, vertical=12), **kw)


def card(content: ft.Control, **kw: Any) -> ft.Container:
    return ft.Container(content=content, bgcolor=vm.WHITE, border_radius=8, padding=16,
                        border=ft.Border.all(1, vm.NHS_PALE_GREY), **kw)


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
        error.value, error.visible = f"{not_done}: {problem}", True
        return
    app.page.pop_dialog()
    app.mark_saved(saved_what)
    on_done()
    app.page.update()  # pop_dialog updated only the dialog
