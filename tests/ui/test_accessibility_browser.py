"""WCAG 2.2 AA in headless Chromium: axe-core over the Flutter semantics tree of every
screen and a dialog at both sizes, zoom allowed, and the rendered text colours sampled
against their backgrounds for contrast."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import open_test_services
from tests.ui.harness import LANDSCAPE, PORTRAIT, AppServer, Tab
from tests.ui.test_walkthrough_browser import make_visit

pytestmark = pytest.mark.browser

SIZES = {"landscape": LANDSCAPE, "portrait": PORTRAIT}


@pytest.fixture(scope="module")
def visit(app_db: Path, server: AppServer) -> Iterator[tuple[str, str]]:
    s = open_test_services(app_db)
    vid, ed, _ = make_visit(s, "Accessibility Test System (fictional)")
    s.visits.add_finding(vid, kind="concern", text="Corridor care at 09:00", area_key=ed,
                         item_ids=["ed.corridor_patients"])
    s.visits.add_finding(vid, kind="recommendation", text="Open the discharge lounge at 08:00",
                         horizon="quick_win", owner="Chief nurse")
    s.visits.add_finding(vid, kind="recommendation", text="One referral route",
                         horizon="longer_term")
    s.close()
    yield vid, ed


def screens(vid: str, ed: str) -> list[tuple[str, str, str, str | None]]:
    """(name, route, an id to wait for, an id to click first: a dialog)."""
    return [
        ("visits", "", f"visit-{vid}", None),
        ("new visit", "new", "new-system", None),
        ("overview", f"visit/{vid}", f"area-{ed}", None),
        ("checklist", f"visit/{vid}/area/{ed}", "next-unanswered", None),
        ("more dialog", f"visit/{vid}/area/{ed}", "next-unanswered",
         "more-ed.handover_within_15"),
        ("finding dialog", f"visit/{vid}/findings", "add-finding", "add-finding"),
        ("findings", f"visit/{vid}/findings", "add-finding", None),
        ("photos", f"visit/{vid}/photos", "add-photo", None),
        ("data", f"visit/{vid}/data", "import-csv", None),
        ("feedback", f"visit/{vid}/feedback", "create-pdf", None),
    ]


def serious(violations: list[dict]) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} -> "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                        for n in v["nodes"][:4])
            for v in violations if v.get("impact") in ("critical", "serious")]


@pytest.mark.parametrize("size", list(SIZES))
def test_axe__no_critical_or_serious_violations_on_any_screen(
        browser, server: AppServer, visit: tuple[str, str], size: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    vid, ed = visit
    found: dict[str, list[str]] = {}
    for name, route, ready, click in screens(vid, ed):
        tab = Tab(browser, server.url, viewport=SIZES[size]).open(route)
        try:
            tab.wait(ready)
            if click:
                tab.click(click)
                tab.page.wait_for_selector("[role=dialog], [role=alertdialog]", timeout=10_000)
            tab.page.wait_for_timeout(800)
            result = axe.run(tab.page)
            problems = serious(result.response["violations"])
            if problems:
                found[name] = problems
            if name == "visits":
                viewport = tab.page.evaluate(
                    "() => Array.from(document.querySelectorAll('meta[name=viewport]'))"
                    ".map(m => m.content)")
                assert viewport and all("user-scalable=no" not in v and "maximum-scale" not in v
                                        for v in viewport), viewport
        finally:
            tab.close()
    assert found == {}, found


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    def lum(c: tuple[int, int, int]) -> float:
        def ch(v: int) -> float:
            x = v / 255
            return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4
        r, g, b_ = (ch(v) for v in c)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


TEXT_BOXES_JS = """() => Array.from(document.querySelectorAll('flt-semantics'))
    .filter(e => !e.querySelector('flt-semantics') && (e.innerText || '').trim().length > 1)
    .map(e => [e.innerText.trim().slice(0, 40), e.getBoundingClientRect().toJSON()])
    .filter(([t, r]) => r.width > 6 && r.height > 8 && r.top >= 0 && r.left >= 0
            && r.bottom <= innerHeight && r.right <= innerWidth)"""


def text_contrasts(tab: Tab) -> list[tuple[str, float]]:
    """For each text on screen: the best contrast between its background (the commonest
    colour in its box) and any pixel of it (the glyphs' cores reach the text colour)."""
    from PIL import Image

    shot = Image.open(io.BytesIO(tab.page.screenshot())).convert("RGB")
    scale = shot.width / (tab.page.viewport_size or LANDSCAPE)["width"]
    out = []
    for text, r in tab.page.evaluate(TEXT_BOXES_JS):
        box = shot.crop((int(r["left"] * scale), int(r["top"] * scale),
                         int(r["right"] * scale), int(r["bottom"] * scale)))
        colours = box.getcolors(box.width * box.height) or []
        if len(colours) < 2:
            continue  # nothing drawn in the box (the text is elsewhere, or hidden)
        background = max(colours)[1]
        best = max(contrast(background, c) for _, c in colours)
        out.append((text, round(best, 2)))
    return out


def settled_contrasts(tab: Tab, timeout_s: float = 10.0) -> list[tuple[str, float]]:
    """`text_contrasts` once the screen has finished drawing: two samples in a row find
    as many texts (on a loaded machine a screen can still be drawing a second after it
    is ready, and an unfinished one samples too few)."""
    found = text_contrasts(tab)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        tab.page.wait_for_timeout(400)
        again = text_contrasts(tab)
        if len(again) == len(found):
            return again
        found = again
    return found


@pytest.mark.parametrize("size", list(SIZES))
def test_rendered_text__has_at_least_4_5_to_1_contrast(
        browser, server: AppServer, visit: tuple[str, str], size: str) -> None:  # type: ignore[no-untyped-def]
    vid, ed = visit
    low: dict[str, list[tuple[str, float]]] = {}
    sampled = 0
    for name, route, ready, _click in screens(vid, ed):
        if name.endswith("dialog"):
            continue
        tab = Tab(browser, server.url, viewport=SIZES[size]).open(route)
        try:
            tab.wait(ready)
            tab.page.wait_for_timeout(900)
            found = settled_contrasts(tab)
            sampled += len(found)
            bad = [(t, c) for t, c in found if c < 4.5]
            if bad:
                low[name] = bad
        finally:
            tab.close()
    assert sampled >= 40, f"too few texts sampled: {sampled}"
    assert low == {}, low


def test_contrast_sampler__catches_the_old_grey(browser, server: AppServer) -> None:  # type: ignore[no-untyped-def]
    """The sampler is not blind: the old secondary grey #768692 on white measures < 4.5."""
    assert contrast((0x76, 0x86, 0x92), (255, 255, 255)) < 4.5 < contrast(
        (0x4C, 0x62, 0x72), (255, 255, 255))
    tab = Tab(browser, server.url)
    try:
        tab.page.set_content('<div style="background:#fff;padding:20px">'
                             '<flt-semantics style="display:block;font:16px Arial;'
                             'color:#768692;width:300px;height:24px">Saved as 25 min'
                             '</flt-semantics></div>')
        found = text_contrasts(tab)
        assert found and found[0][1] < 4.5, found
    finally:
        tab.close()
