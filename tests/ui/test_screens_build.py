"""Every screen builds for a realistic visit without a browser (fast, catches API slips)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flet as ft
import pytest

from visitapp.services.app import Services
from visitapp.services.walkthrough import TabletPrefs
from visitapp.ui.main import App
from visitapp.ui.routes import build_screen, stack_for


class FakePage:
    def __init__(self) -> None:
        self.views: list[ft.View] = []
        self.dialogs: list[Any] = []
        self.route = "/"

    def show_dialog(self, d: Any) -> None:
        self.dialogs.append(d)

    def pop_dialog(self) -> None:
        self.dialogs.pop()

    def update(self, *controls: Any) -> None:
        pass

    def navigate(self, route: str) -> None:
        self.route = route

    def run_task(self, *a: Any, **k: Any) -> None:
        pass


@pytest.fixture
def app(services: Services, db_path: Path) -> App:
    a = App(FakePage(), services, TabletPrefs(db_path))  # type: ignore[arg-type]
    return a


def test_every_screen__builds__for_the_demo_visit(app: App, demo_visit_id: str) -> None:
    state = app.services.visits.load(demo_visit_id)
    routes = ["/", "/new", f"/visit/{demo_visit_id}", f"/visit/{demo_visit_id}/findings",
              f"/visit/{demo_visit_id}/photos"]
    routes += [f"/visit/{demo_visit_id}/{w}" for w in ("data", "feedback")]
    routes += [f"/visit/{demo_visit_id}/later/{w}" for w in ("data", "discussion", "feedback")]
    routes += [f"/visit/{demo_visit_id}/area/{a.key}" for a in state.areas]
    for route in routes:
        screen = build_screen(app, route)
        assert screen.view.route == route


def test_show__builds_the_view_stack(app: App, demo_visit_id: str) -> None:
    state = app.services.visits.load(demo_visit_id)
    route = f"/visit/{demo_visit_id}/area/{state.areas[0].key}"
    app.show(route)
    assert [v.route for v in app.page.views] == stack_for(route)
    assert app.current == route


def test_stack_for__unknown_routes_go_home() -> None:
    assert stack_for("/nowhere") == ["/"]
    assert stack_for("/visit/abc/area/k-1") == ["/", "/visit/abc", "/visit/abc/area/k-1"]
    assert stack_for("/visit/abc/") == ["/", "/visit/abc"]


def test_show__an_unknown_visit__goes_back_to_the_list(app: App) -> None:
    app.show("/visit/not-a-visit/area/nowhere")
    assert app.current == "/"
    assert [v.route for v in app.page.views] == ["/"]


@pytest.mark.parametrize(("web", "env", "platform", "expected"), [
    (True, {"DISPLAY": ":0"}, "linux", True),
    (False, {"DISPLAY": ":0"}, "linux", False),
    (False, {}, "linux", True),
    (False, {"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    (False, {}, "darwin", False),
    (True, {"FLET_PLATFORM": "android"}, "linux", False),
])
def test_web_mode__when_asked_or_without_a_display(web: bool, env: dict[str, str],
                                                   platform: str, expected: bool) -> None:
    from visitapp.ui.main import web_mode

    assert web_mode(web, env, platform) is expected


def test_packaged_db_path__uses_the_app_data_folder(tmp_path: Path) -> None:
    from visitapp.ui.main import packaged_db_path

    assert packaged_db_path({"FLET_APP_STORAGE_DATA": str(tmp_path)}) == tmp_path / "visitapp.db"
    assert packaged_db_path({"FLET_APP_STORAGE_DATA": str(tmp_path),
                             "VISITAPP_DB": str(tmp_path / "x.db")}) == tmp_path / "x.db"


def _controls(root: Any) -> list[Any]:
    """Every control under `root` (itself included), as built in Python."""
    import dataclasses

    found, stack = [], [root]
    while stack:
        c = stack.pop()
        found.append(c)
        for f in dataclasses.fields(c):
            v = getattr(c, f.name, None)
            if isinstance(v, ft.Control):
                stack.append(v)
            elif isinstance(v, list):
                stack.extend(x for x in v if isinstance(x, ft.Control))
    return found


def test_checklist__every_tappable_box__is_reached_by_tab(app: App, demo_visit_id: str) -> None:
    """A Container answers Tab (and Space/Enter) only with ink: without, Flutter gives it
    no focus, and keyboard users could not answer (tests/ui/test_focus_order_browser.py
    walks the order in a browser)."""
    from visitapp.ui.screens.checklist import ChecklistScreen

    state = app.services.visits.load(demo_visit_id)
    screen = ChecklistScreen(app, demo_visit_id, state.areas[0].key)
    screen.relayout(limit=None)
    for sec, col in screen.sections:
        screen._fill(sec, col, screen.model.shown_ids())
    tappable = [c for c in _controls(screen.view)
                if isinstance(c, ft.Container) and c.on_click is not None]
    assert len(tappable) > 20  # the choices of every row and the two switches
    assert [c for c in tappable if not c.ink] == []
