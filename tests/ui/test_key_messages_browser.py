"""Key messages on the feedback screen in headless Chromium: the visit lead reorders,
edits, removes and adds them with controls named for a screen reader, and each change is
what the services read back; axe-core and the rendered contrast over the screen and the
dialog, at both tablet sizes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import open_test_services
from tests.ui.harness import LANDSCAPE, PORTRAIT, AppServer, Tab
from tests.ui.test_accessibility_browser import serious, text_contrasts
from tests.ui.test_walkthrough_browser import wait_until
from visitapp.services.app import Services
from visitapp.services.feedback import build_report
from visitapp.services.key_messages import team_key_messages
from visitapp.ui.viewmodels.key_messages import short_text

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def store(app_db: Path, server: AppServer) -> Iterator[Services]:
    s = open_test_services(app_db)
    yield s
    s.close()


@pytest.fixture(scope="module")
def demo(store: Services) -> str:
    return store.visits.list_visits()[0]["id"]  # the demo visit a first run makes


def team(store: Services, vid: str) -> list[tuple[str, str | None]] | None:
    got = team_key_messages(store.visits, vid)
    return None if got is None else [(m.text, m.rag) for m, _ in got]


def press(tab: Tab, ident: str, name: str) -> None:
    """Click the control `ident` found by its role and accessible name, as a screen
    reader user would reach it."""
    tab.reveal(ident)
    tab.page.get_by_role("button", name=name, exact=True).click()


def test_key_messages__reordered_edited_removed_and_added_from_the_feedback_screen(
        tab: Tab, store: Services, demo: str, tmp_path: Path) -> None:
    draft = [(m.text, m.rag) for m in build_report(store, demo).key_messages.messages]
    assert len(draft) == 5 and team(store, demo) is None
    tab.open(f"visit/{demo}/feedback")
    tab.wait("create-pdf")
    tab.wait_text("km-heading", "Key messages (5 of 5)")

    press(tab, "km-down-0", f"Move down: {short_text(draft[0][0])}")
    order = [draft[1], draft[0], *draft[2:]]
    wait_until(lambda: team(store, demo) == order, what="the first message moved down")
    tab.wait_text("km-text-0", f"1. {draft[1][0]}")

    press(tab, "km-up-3", f"Move up: {short_text(draft[3][0])}")
    order = [order[0], order[1], order[3], order[2], order[4]]
    wait_until(lambda: team(store, demo) == order, what="the fourth message moved up")
    tab.wait_text("km-text-2", f"3. {order[2][0]}")  # shown, not only stored

    press(tab, "km-edit-0", f"Edit: {short_text(draft[1][0])}")
    tab.wait("km-save")
    new_text = "Handovers over an hour on most afternoons, with no cohorting area agreed."
    tab.type_into("km-text", new_text, submit=None)
    tab.click("km-colour-amber")
    tab.wait_selected("km-colour-amber")
    tab.page.screenshot(path=str(tmp_path / "dialog.png"))
    tab.click("km-save")
    order[0] = (new_text, "amber")
    wait_until(lambda: team(store, demo) == order, what="the edited message stored")
    tab.wait_text("km-text-0", f"1. {new_text}")

    press(tab, "km-remove-4", f"Remove: {short_text(order[4][0])}")
    del order[4]
    wait_until(lambda: team(store, demo) == order, what="the last message removed")
    tab.wait_text("km-heading", "Key messages (4 of 5)")

    tab.click("km-add")
    tab.wait("km-save")
    added = "Weekend discharges run at just over half the weekday rate."
    tab.type_into("km-text", added, submit=None)
    tab.click("km-colour-red")
    tab.wait_selected("km-colour-red")
    tab.click("km-save")
    order.append((added, "red"))
    wait_until(lambda: team(store, demo) == order, what="the added message stored")
    tab.wait_text("km-text-4", f"5. {added}")
    tab.wait_text("km-source", "Set by the team")

    # The report leads with the team's list, in their order.
    key = build_report(store, demo).key_messages
    assert key.set_by_team and [(m.text, m.rag) for m in key.messages] == order


@pytest.mark.parametrize("size", ["landscape", "portrait"])
def test_key_messages__axe_finds_nothing_serious_and_text_contrast_is_4_5_to_1(
        browser, server: AppServer, demo: str, size: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    viewport = LANDSCAPE if size == "landscape" else PORTRAIT
    tab = Tab(browser, server.url, viewport=viewport).open(f"visit/{demo}/feedback")
    try:
        tab.wait("create-pdf")
        tab.reveal("km-1")
        tab.page.wait_for_timeout(800)
        shot = tmp_path / f"key-messages-{size}.png"
        tab.page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
        problems = serious(Axe().run(tab.page).response["violations"])
        low = [(t, c) for t, c in text_contrasts(tab) if c < 4.5]
        targets = tab.page.evaluate("""() => Array.from(document.querySelectorAll(
              '[flt-semantics-identifier^="km-up-"], [flt-semantics-identifier^="km-down-"],'
              + '[flt-semantics-identifier^="km-edit-"], [flt-semantics-identifier^="km-remove-"]'))
            .map(e => e.getBoundingClientRect())
            .filter(r => r.top >= 64 && r.bottom < innerHeight - 14)  // not cut by the list's edge
            .map(r => [Math.round(r.width), Math.round(r.height)])""")
        tab.click("km-edit-0")
        tab.wait("km-save")
        tab.page.wait_for_timeout(800)
        tab.page.screenshot(path=str(tmp_path / f"key-message-dialog-{size}.png"))
        in_dialog = serious(Axe().run(tab.page).response["violations"])
    finally:
        tab.close()
    assert problems == [] and in_dialog == [], (problems, in_dialog)
    assert low == [], low
    assert len(targets) >= 4 and all(w >= 48 and h >= 48 for w, h in targets), str(targets)
