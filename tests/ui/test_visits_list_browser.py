"""The visits screen in headless Chromium: a page of visits at a time, newest first.

A tablet that kept many visits lists the newest `PAGE` and a "Show more" button, so the
screen's reads do not grow with every visit the tablet holds (issue 15).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import open_test_services
from tests.ui.harness import AppServer, Tab
from visitapp.services.app import Services
from visitapp.ui.viewmodels import PAGE

pytestmark = pytest.mark.browser


@pytest.fixture
def store(app_db: Path, server: AppServer) -> Iterator[Services]:
    s = open_test_services(app_db)
    yield s
    s.close()


def test_visits__a_page_at_a_time__show_more_lists_the_older_ones(
        tab: Tab, store: Services, tmp_path: Path) -> None:
    for day in range(1, PAGE + 3):
        store.visits.create_visit(system=f"Paging Test System {day:02d} (fictional)",
                                  date=f"2026-10-{day:02d}", visit_type="diagnostic",
                                  areas=[("emergency_department", "ED")], author="Tester")
    listed = store.visits.summaries()  # newest first; the demo visit is among them
    assert len(listed) == PAGE + 3
    first, rest = listed[:PAGE], listed[PAGE:]
    tab.open()
    tab.wait(f"visit-{first[0].id}")
    for row in first:  # the list is lazy: each is drawn when scrolled to
        tab.reveal(f"visit-{row.id}")
    tab.reveal("more-visits")  # below the last of the page
    assert tab.text_of("more-visits") == "Show 3 more of 3 older visits"
    for row in rest:
        assert not tab.exists(f"visit-{row.id}"), row.title
    tab.page.screenshot(path=str(tmp_path / "visits-paged.png"))
    tab.click("more-visits")
    for row in rest:
        tab.reveal(f"visit-{row.id}")
    assert not tab.exists("more-visits")
    tab.page.screenshot(path=str(tmp_path / "visits-all.png"))
    print(f"screenshots: {tmp_path}")
