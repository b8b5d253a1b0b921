"""The visits list's "At the programme office" section, against a real office in-process:
it lists the team's finished visit, and Fetch brings it into the list."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.sync.conftest import Tablet, make_office, small_visit
from tests.sync.test_holds import enrolled_sync_service
from tests.ui.test_screens_build import FakePage
from visitapp.services.app import Services
from visitapp.services.walkthrough import TabletPrefs
from visitapp.ui.main import App
from visitapp.ui.screens.visits import VisitsScreen


class ThreadlessPage(FakePage):
    """Runs the screen's background work at once, in order (no threads, no loop)."""

    def run_thread(self, fn: Any, *args: Any) -> None:
        fn(*args)

    def run_task(self, fn: Any, *args: Any, **_kw: Any) -> None:
        asyncio.run(fn(*args))


def texts(control: Any) -> list[str]:
    found = [control.value] if isinstance(getattr(control, "value", None), str) else []
    for name in ("content", "controls"):
        child = getattr(control, name, None)
        for c in child if isinstance(child, list) else [child] if child is not None else []:
            found += texts(c)
    return found


def test_available_section__lists_a_finished_visit_and_fetch_brings_it_in(
        services: Services, db_path: Path, tmp_path: Path) -> None:
    office = make_office(f"sqlite:///{tmp_path / 'office.db'}")
    try:
        from tests.conftest import open_test_services

        maker_services = open_test_services(tmp_path / "maker" / "tablet.db")
        device, token = office.device("north", "maker")
        maker = Tablet(maker_services, token, device, office.http(token))
        done, _, _ = small_visit(maker_services)
        maker_services.visits.finish(done, author="Alex")
        assert maker.sync().complete

        device, token = office.device("north", "this tablet")
        here = Tablet(services, token, device, office.http(token))
        services.__dict__["sync"] = enrolled_sync_service(here)
        app = App(ThreadlessPage(), services, TabletPrefs(db_path))  # type: ignore[arg-type]
        screen = VisitsScreen(app)
        section = screen.available
        assert section.control.visible  # enrolled
        section._ask()  # the "Show visits" button
        assert "1 visit(s) of your team not on this tablet:" in texts(section.control)
        assert any("Test system (fictional) · 2026-11-27 · finished" in t
                   for t in texts(section.control))
        section._fetch(done)  # its "Fetch" button
        assert "Fetched: it is in your visits now." in texts(section.control)
        assert section.rows.controls == []
        assert any("Test system (fictional)" in t for t in texts(screen.list))
        assert done in {v["id"] for v in services.visits.list_visits()}
        maker.http.close()
        here.http.close()
        maker_services.close()
    finally:
        office.transport.close()
        office.engine.dispose()
