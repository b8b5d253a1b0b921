"""The baseline for bench_ui.py: a bare Flet page with the same number of plain controls.

`/` holds a button toggle alone on an empty page (for scale) and a button that opens a view with
N plain rows in a scrolling Column holding, in all, as many plain controls (Text in
Containers) as the app's area screen holds, each row named like the benchmark's items so
the same waits find them. The first row of the list holds the bare "tap -> shown" on a
page as full as the app's, placed where the app's answer choices are: a bare Flet button
(the issue's baseline) and, for scale, a plain tile with no ink and no keyboard focus.

A toggle sends only itself (`tile.update()`), the least a Flet page can do. Left to
Flet's automatic update after a handler, it would diff the whole view in Python (about
40 ms more at 1,600 controls here), a slower baseline that would flatter the app.
No app code at all. Run by bench_ui.py: python bench/bare_flet_page.py PORT ROWS CONTROLS
"""

from __future__ import annotations

import os
import sys

import flet as ft


def toggle(ident: str) -> ft.Semantics:
    """A plain tile announced as a checkbox that flips on a tap: no ink, no focus."""
    def flip(e: object) -> None:
        tile.checked = not tile.checked
        box.bgcolor = "#007F3B" if tile.checked else "#FFFFFF"
        tile.update()

    box = ft.Container(ft.Text("Bare"), width=120, height=48, bgcolor="#FFFFFF", on_click=flip)
    tile = ft.Semantics(identifier=ident, label="Bare", checked=False, exclude_semantics=True,
                        content=box)
    return tile


def button_toggle(ident: str) -> ft.Semantics:
    """A bare Flet button announced as checked or not, flipped by a tap: like the app's
    choices, a Material control that Tab reaches, with its ink ripple and focus
    highlight (animations that take frames)."""
    def flip(e: object) -> None:
        tile.checked = not tile.checked
        button.bgcolor = "#007F3B" if tile.checked else "#FFFFFF"
        tile.update()

    button = ft.Button("Bare", width=120, height=48, bgcolor="#FFFFFF", on_click=flip)
    tile = ft.Semantics(identifier=ident, label="Bare", checked=False, container=True,
                        content=button)
    return tile


def main_for(n_rows: int, n_controls: int):  # type: ignore[no-untyped-def]
    # each row: Semantics > Container > Row > question Text + boxes (Container > Text)
    boxes = max(1, (n_controls // n_rows - 4) // 2)

    def main(page: ft.Page) -> None:
        def rows() -> list[ft.Control]:
            return [ft.Semantics(identifier=f"item-b.item{n:02d}", container=True,
                                 content=ft.Container(padding=8, content=ft.Row([
                                     ft.Text(f"Benchmark question number {n + 1}: how does "
                                             "it look?", expand=True),
                                     *[ft.Container(ft.Text(f"Box {b + 1}"), width=60,
                                                    height=48) for b in range(boxes)]])))
                    for n in range(n_rows)]

        def open_list(e: object) -> None:
            page.views.append(ft.View(route="/list", controls=[
                ft.Semantics(identifier="bare-close", content=ft.Button("Close", on_click=back)),
                ft.Column([ft.Row([button_toggle("bare-tap"), toggle("bare-tap-plain")]),
                           *rows()], scroll=ft.ScrollMode.AUTO, expand=True)]))

        def back(e: object) -> None:
            if len(page.views) > 1:
                page.views.pop()

        page.views[0].controls = [ft.Semantics(identifier="bare-open", content=ft.Button(
            "Open the list", on_click=open_list)), button_toggle("bare-tap-alone")]
        page.on_view_pop = back
        page.update()
    return main


if __name__ == "__main__":
    port, n, controls = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    os.environ["FLET_FORCE_WEB_SERVER"] = "1"
    os.environ["FLET_SERVER_IP"] = "127.0.0.1"
    ft.run(main_for(n, controls), host="127.0.0.1", port=port, no_cdn=True,
           view=ft.AppView.WEB_BROWSER)
