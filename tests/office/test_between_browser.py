"""The between-visits pages in Chromium against a real `visitapp-office serve` with synced
tablets: the calendar, actions, momentum and the library, each with axe-core (0
violations) and a screenshot; a strength promoted from its visit page, an action updated
on the page, an event added by an admin."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.office import site as site_mod
from tests.office import test_web_browser as office_browser
from tests.office.site import ANALYST
from tests.office.test_web_browser import axe_violations, sign_in

# The Chromium and page fixtures of the office's browser tests (pytest finds them by name).
browser = office_browser.browser
page = office_browser.page

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("OFFICE_SHOTS", "/tmp"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("office-between")
    running = site_mod.start(root)
    try:
        site_mod.populate(running, root)  # visits of 2026-03-12 and 2026-11-27
        for name, day, n in (("Launch", "2026-01-20", "140"),
                             ("Collaborative event 2", "2026-04-21", "96"),
                             ("Collaborative event 3", "2026-07-21", "88")):
            site_mod.office_cli(running.url, "events", "add", "--name", name, "--date", day,
                                "--attendees", n)
        site_mod.office_cli(running.url, "learning", "add", "--name", "Weekend discharge "
                            "webinar", "--date", "2026-05-06", "--attendees", "41")
        yield running
    finally:
        running.stop()


def _shot(tab, name):
    tab.screenshot(path=str(SHOTS / f"office-{name}.png"), full_page=True)


def test_calendar__lists_events_periods_and_overdue_actions_and_takes_an_event(page, site):
    sign_in(page)
    page.get_by_role("link", name="Calendar").first.click()
    page.wait_for_url("**/calendar")
    assert page.get_by_role("heading", level=1).inner_text() == "Collaborative calendar"
    periods = page.locator("#periods tbody tr").all_inner_texts()
    assert [p.split("\t")[0].strip() for p in periods] == [
        "Before the first event", "After Launch", "After Collaborative event 2",
        "After Collaborative event 3 Now"]
    # No event follows the November visit, so its actions have no due date until one is
    # set: give one a July date, and it is overdue at event 3 (not done by then).
    action = json.loads(site_mod.office_cli(site.url, "actions", "list", "--json"))[0]
    site_mod.office_cli(site.url, "actions", "update", action["id"], "--status",
                        "in_progress", "--due", "2026-07-01")
    page.reload()
    overdue = page.locator('#events tr[data-event="Collaborative event 3"]').inner_text()
    assert action["text"] in overdue and "due 2026-07-01" in overdue
    assert page.locator('#events tr[data-event="Launch"]').inner_text().endswith("None")
    assert axe_violations(page) == []
    page.get_by_label("Name").first.fill("Collaborative event 4")
    page.get_by_label("Date").first.fill("2026-10-20")
    page.locator("#event-attendees").fill("not many")
    page.get_by_role("button", name="Add an event").click()
    assert "attendees 'not many' is not a whole number" in \
        page.get_by_role("alert").inner_text()
    assert axe_violations(page) == []
    page.locator("#event-attendees").fill("77")
    page.get_by_role("button", name="Add an event").click()
    page.wait_for_url("**/calendar")
    assert "Collaborative event 4" in page.locator("#events").inner_text()
    _shot(page, "calendar")


def test_actions__an_analyst_records_an_update_on_the_page(page, site):
    sign_in(page, email=ANALYST)
    page.goto("/actions")
    cards = page.locator(".nhsuk-card")
    assert cards.count() >= 1
    assert axe_violations(page) == []
    first = cards.first
    action_id = first.get_attribute("id").removeprefix("action-")
    first.get_by_label("Status").select_option("in_progress")
    first.get_by_label("Note").fill("Huddle piloted on two wards")
    first.get_by_role("button", name="Save update").click()
    page.wait_for_url(f"**#action-{action_id}")
    card = page.locator(f"#action-{action_id}")
    assert "In progress" in card.inner_text() and "Huddle piloted on two wards" in \
        card.inner_text()
    listed = json.loads(site_mod.office_cli(site.url, "actions", "list", "--json"))
    assert next(a for a in listed if a["id"] == action_id)["status"] == "in_progress"
    assert axe_violations(page) == []
    _shot(page, "actions")


def test_momentum__chart_table_and_sentence(page, site):
    sign_in(page, email=ANALYST)
    page.goto("/momentum")
    assert page.locator("svg.office-chart").count() == 1
    rows = page.locator("#momentum tbody tr")
    assert rows.count() == 5  # before the launch, and after each of four events
    sentence = page.locator("#momentum-sentence").inner_text()
    assert sentence.startswith("Momentum is ")
    assert axe_violations(page) == []
    _shot(page, "momentum")


def test_library__a_strength_promoted_from_its_visit_page_is_found_by_search(page, site):
    sign_in(page, email=ANALYST)
    page.goto(f"/visits/{site.visits['demo']}")
    page.get_by_role("button", name="Add to the library").first.click()
    page.wait_for_url("**/library/new?finding=*")
    assert axe_violations(page) == []
    _shot(page, "library-new")
    page.get_by_label("Title").fill("A discharge lounge open at weekends")
    page.get_by_label("Contact role").fill("Discharge lounge lead")
    page.get_by_role("button", name="Add to the library").click()
    page.wait_for_url("**/library")
    assert "A discharge lounge open at weekends" in page.locator("main").inner_text()
    page.get_by_label("Search the library").fill("lounge weekends")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=lounge*")
    assert page.locator("[data-entry]").count() == 1
    assert urlparse(page.url).path == "/library"
    assert axe_violations(page) == []
    _shot(page, "library")
