"""Keyboard focus follows the screen (WCAG 2.2 2.4.3, issue 12) in headless Chromium: Tab
through the area checklist and the "Add a finding" dialog, and check that each control
Tab reaches comes after the one before in reading order (below it, or on the same line
to its right), that every row of the checklist is reached in turn, and that the dialog
keeps the focus inside itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import open_test_services
from tests.ui.harness import LANDSCAPE, PORTRAIT, AppServer, Tab
from tests.ui.test_walkthrough_browser import make_visit
from visitapp.services.app import Services

pytestmark = pytest.mark.browser

# The focused element: the identifier of the control it belongs to, its name and box,
# and whether it is inside a dialog.
FOCUSED_JS = """() => {
    const a = document.activeElement;
    if (!a || a === document.body) return null;
    const own = a.closest('[flt-semantics-identifier]');
    const r = (own || a).getBoundingClientRect();
    return {id: own ? own.getAttribute('flt-semantics-identifier') : null,
            name: (a.getAttribute('aria-label') || a.innerText || '').trim().slice(0, 60),
            box: [r.left, r.top, r.right, r.bottom],
            dialog: !!a.closest('[role=dialog], [role=alertdialog]')};
}"""

BOX_JS = """id => {
    const e = document.querySelector(`[flt-semantics-identifier="${id}"]`);
    if (!e) return null;
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
}"""


@pytest.fixture
def store(app_db: Path, server: AppServer) -> Iterator[Services]:
    s = open_test_services(app_db)
    yield s
    s.close()


def comes_after(before: list[float], after: list[float]) -> bool:
    """Reading order: on the same line (the boxes overlap vertically) further right, or
    on a later line."""
    b_left, b_top, _, b_bottom = before
    a_left, a_top, _, a_bottom = after
    if a_top < b_bottom - 1 and a_bottom > b_top + 1:
        return a_left > b_left
    return a_top >= b_bottom - 1


def settle(tab: Tab, seconds: float = 3.0) -> dict | None:
    """The focused control once it (and any scrolling) has stopped moving."""
    last = None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.08)
        now = tab.page.evaluate(FOCUSED_JS)
        if now is not None and last is not None and now == last:
            return now
        last = now
    return last


def tab_walk(tab: Tab, stop_at: str, limit: int) -> list[tuple[dict, list[float] | None]]:
    """Press Tab until `stop_at` has focus: each focused control, with the box of the
    one before it measured again at the same moment (the list may have scrolled)."""
    walk: list[tuple[dict, list[float] | None]] = []
    for _ in range(limit):
        tab.page.keyboard.press("Tab")
        time.sleep(0.1)
        focused = tab.page.evaluate(FOCUSED_JS)
        if focused and (focused["id"] or "").startswith("more-"):
            time.sleep(0.35)  # More scrolls the rows after it on screen, a moment later
        focused = settle(tab)
        assert focused is not None, f"Tab left the page after {[f['id'] for f, _ in walk]}"
        previous = walk[-1][0] if walk else None
        again = (tab.page.evaluate(BOX_JS, previous["id"]) if previous and previous["id"]
                 else previous["box"] if previous else None)
        walk.append((focused, again))
        if focused["id"] == stop_at:
            return walk
    raise AssertionError(f"{stop_at} never had focus: {[f['id'] for f, _ in walk]}")


def out_of_order(walk: list[tuple[dict, list[float] | None]]) -> list[str]:
    return [f"{walk[i - 1][0]['id'] or walk[i - 1][0]['name']} -> {f['id'] or f['name']}"
            for i, (f, before) in enumerate(walk)
            if i and before is not None and not comes_after(before, f["box"])]


@pytest.mark.parametrize("size", ["landscape", "portrait"])
def test_tab__through_the_checklist__follows_the_screen_and_reaches_every_row(
        browser, server: AppServer, store: Services, size: str) -> None:  # type: ignore[no-untyped-def]
    vid, ed, _ = make_visit(store, f"Focus Order Test System ({size}, fictional)")
    rows = [i.id for i in store.visits.load(vid).area(ed).visible_items()]
    tab = Tab(browser, server.url, viewport=LANDSCAPE if size == "landscape" else PORTRAIT)
    try:
        tab.open(f"visit/{vid}/area/{ed}")
        tab.wait("next-unanswered")
        time.sleep(1.0)  # the route transition and the rest of the rows
        walk = tab_walk(tab, stop_at="next-area", limit=6 * len(rows) + 20)
        ids = [f["id"] for f, _ in walk]
        assert out_of_order(walk) == [], (out_of_order(walk), ids)
        # the app bar and the tools first, every row in turn, then the buttons at the foot
        assert walk[0][0]["name"] == "Back"
        assert ids[1:4] == ["section-index", "only-unanswered", "area-done"], ids
        assert [i[len("more-"):] for i in ids if i and i.startswith("more-")] == rows
        assert ids[-4:] == ["next-unanswered", "next-required", "overview", "next-area"], ids
        first_row = ids.index(f"more-{rows[0]}")
        assert all(i and i.startswith("ans-") for i in ids[4:first_row]), ids
        assert tab.unexpected_outside() == []
    finally:
        tab.close()


def test_tab__in_the_add_a_finding_dialog__follows_it_and_stays_inside(
        tab: Tab, store: Services) -> None:
    vid, _, _ = make_visit(store, "Focus Order Dialog Test System (fictional)")
    tab.open(f"visit/{vid}/findings")
    tab.click("add-finding")
    tab.page.wait_for_selector("[role=dialog], [role=alertdialog]", timeout=10_000)
    time.sleep(0.8)
    walk = tab_walk(tab, stop_at="finding-save", limit=40)
    ids = [f["id"] for f, _ in walk]
    assert all(f["dialog"] for f, _ in walk), ids
    assert out_of_order(walk) == [], (out_of_order(walk), ids)
    # kinds, the text, pathways, areas, then Cancel and Save, as drawn
    assert ids[0] == "finding-kind-strength" and ids[-2:] == ["finding-cancel", "finding-save"]
    assert ids.index("finding-text") < ids.index("finding-pathway-flow") < ids.index(
        "finding-area-"), ids
    # past the last control, Tab goes round to the first: it never leaves the dialog
    tab.page.keyboard.press("Tab")
    again = settle(tab)
    assert again is not None and again["dialog"] and again["id"] == "finding-kind-strength"


def test_space_and_enter__on_a_focused_choice__pick_it(
        browser, server: AppServer, store: Services) -> None:  # type: ignore[no-untyped-def]
    """The choices are reached by Tab and picked from the keyboard, as a tap picks them:
    the focused node says checked, and the answer is stored (each choice group is on its
    own paint layer, see `painted_alone`)."""
    from tests.ui.test_walkthrough_browser import wait_until
    from visitapp.ui.viewmodels import choices_for

    vid, ed, _ = make_visit(store, "Keyboard Choice Test System (fictional)")
    item = next(i for i in store.visits.load(vid).area(ed).visible_items() if choices_for(i))
    (first, label), (second, _) = ((c.value, c.label) for c in choices_for(item)[:2])

    def stored() -> object:
        answer = store.visits.load(vid).area(ed).answers.get(item.id)
        return answer.value if answer else None

    tab = Tab(browser, server.url, viewport=LANDSCAPE)
    try:
        tab.open(f"visit/{vid}/area/{ed}")
        tab.wait("next-unanswered")
        time.sleep(1.0)
        walk = tab_walk(tab, stop_at=f"ans-{item.id}-{first}", limit=20)
        assert walk[-1][0]["name"] == label  # the focused node is the named choice
        tab.page.keyboard.press("Space")
        tab.wait_selected(f"ans-{item.id}-{first}")
        wait_until(lambda: stored() == first, what=f"{first!r} to be stored")
        tab_walk(tab, stop_at=f"ans-{item.id}-{second}", limit=3)
        tab.page.keyboard.press("Enter")
        tab.wait_selected(f"ans-{item.id}-{second}")
        tab.wait_selected(f"ans-{item.id}-{first}", selected=False)
        wait_until(lambda: stored() == second, what=f"{second!r} to be stored")
        assert tab.unexpected_outside() == []
    finally:
        tab.close()
