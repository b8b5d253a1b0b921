"""What every screen shares: the app bar with its status line, the view, cards, and
the save step of a dialog."""

from __future__ import annotations

from typing import Any

import flet as ft

from visitapp.ui import theme


def appbar(app: Any, title: str, subtitle: str | None = None, back: bool = True) -> ft.AppBar:
    title_ctl: ft.Control = ft.Text(title, size=20, weight=ft.FontWeight.BOLD, color=theme.WHITE,
                                    overflow=ft.TextOverflow.ELLIPSIS)
    if subtitle:
        title_ctl = ft.Column(spacing=0, tight=True, controls=[
            title_ctl, ft.Text(subtitle, size=13, color=theme.WHITE,
                               overflow=ft.TextOverflow.ELLIPSIS)])
    # Our own back arrow: Flutter's implied one is a 40 px target (WCAG 2.5.8 asks 24,
    # the NHS look and feel 48).
    # The icon's semantics label names the button itself ("Back"); a tooltip would name
    # only a wrapper around it.
    leading = ft.IconButton(ft.Icon(ft.Icons.ARROW_BACK, color=theme.WHITE, semantics_label="Back"),
                            width=theme.TOUCH, height=theme.TOUCH,
                            on_click=lambda e: app.back()) if back else None
    return ft.AppBar(title=title_ctl, bgcolor=theme.NHS_BLUE, color=theme.WHITE,
                     toolbar_height=64, actions=[app.status_bar()], leading=leading,
                     leading_width=64 if back else None, automatically_imply_leading=False)


def view(route: str, bar: ft.AppBar, controls: list[ft.Control], **kw: Any) -> ft.View:
    return ft.View(route=route, appbar=bar, controls=controls, bgcolor=theme.NHS_GREY_BG,
                   padding=ft.Padding.symmetric(horizontal=16, vertical=12), **kw)


def card(content: ft.Control, **kw: Any) -> ft.Container:
    return ft.Container(content=content, bgcolor=theme.WHITE, border_radius=8, padding=16,
                        border=ft.Border.all(1, theme.NHS_PALE_GREY), **kw)


