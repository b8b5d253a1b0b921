"""The app bar every screen shares: title, back, and the status line."""

from __future__ import annotations

from typing import Any

import flet as ft

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
