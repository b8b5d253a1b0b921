"""The PIN screen in Chromium: one field labelled "PIN", Enter submits, a wrong PIN says so,
the right one shows the route that was asked for; the forgotten-PIN offer names the loss."""

from __future__ import annotations

import time

import pytest

from tests.conftest import TEST_PIN, open_test_services
from tests.ui.harness import AppServer, Tab

pytestmark = pytest.mark.browser


def type_pin(tab: Tab, pin: str) -> None:
    """Type into the PIN field and press Enter (a password field's DOM value stays empty,
    so the harness's read-back cannot be used)."""
    tab.page.get_by_role("textbox", name="PIN").click()
    time.sleep(0.2)
    tab.page.keyboard.type(pin)
    tab.page.keyboard.press("Enter")


def test_pin_screen__enter_submits_and_the_requested_route_follows(browser, tmp_path,
                                                                   monkeypatch):
    db = tmp_path / "tablet.db"
    s = open_test_services(db)
    vid = s.visits.create_visit(system="PIN Screen System (fictional)", date="2026-11-27",
                                visit_type="diagnostic", areas=[("emergency_department", "ED")])
    area_key = s.visits.load(vid).areas[0].key
    pending = s.sync.status().pending
    s.close()
    monkeypatch.delenv("VISITAPP_PIN")  # so the app asks on its screen
    server = AppServer(db).start()
    tab = Tab(browser, server.url)
    try:
        tab.open(f"visit/{vid}")
        tab.wait("pin-field")
        assert tab.page.get_by_role("textbox", name="PIN").count() == 1
        assert not tab.exists(f"area-{area_key}")  # nothing of the visit before the PIN
        tab.click("pin-forgotten")
        # The count was kept when the services above closed: the visit's changes, unsent.
        tab.wait_text("pin-start-afresh", f"Remove this tablet's data and lose {pending} changes")
        time.sleep(0.5)
        tab.page.screenshot(path=str(tmp_path / "pin-forgotten.png"))
        type_pin(tab, "111111")
        tab.wait_text("pin-message", "Wrong PIN", timeout=20)
        tab.page.screenshot(path=str(tmp_path / "pin-wrong.png"))
        type_pin(tab, TEST_PIN)
        tab.wait(f"area-{area_key}", timeout=30_000)  # the visit asked for, not the list
        time.sleep(0.8)
        # The first frame after unlocking can take a while on a loaded CI machine.
        tab.page.screenshot(path=str(tmp_path / "after-pin.png"), timeout=60_000)
        assert db.exists()  # nothing was removed by the wrong PIN or the offer
    finally:
        tab.close()
        server.stop()


def test_a_new_tablet__asks_for_a_new_pin_and_offers_no_change_or_forgotten_pin(
        browser, tmp_path, monkeypatch):
    monkeypatch.delenv("VISITAPP_PIN")
    server = AppServer(tmp_path / "new.db").start()
    tab = Tab(browser, server.url)
    try:
        tab.open("")
        tab.wait_text("pin-heading", "locked")
        assert "Choose a PIN" in tab.page.inner_text("body")
        assert not tab.exists("pin-change") and not tab.exists("pin-forgotten")
        time.sleep(0.8)
        tab.page.screenshot(path=str(tmp_path / "pin-new.png"))
    finally:
        tab.close()
        server.stop()
