"""Screenshots of the main screens at tablet sizes (run by `scripts/screenshots`).

Starts the app on a fresh temporary database (so the demo visit is there, and nothing
real is), drives headless Chromium through the screens, and writes PNGs to ./screenshots/
(git-ignored). The landscape area checklist is also written, quantised, to
docs/app-checklist.png for the README.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from tests.conftest import open_test_services
from tests.ui.harness import LANDSCAPE, PORTRAIT, REPO, AppServer, Tab, launch_chromium

DOCS_PNG = REPO / "docs" / "app-checklist.png"
DOCS_LIMIT = 200 * 1024


def settle(tab: Tab) -> None:
    # route transition and the first frame of images; a loaded machine draws a large
    # screen later (Flet shows "Working..." meanwhile)
    time.sleep(1.8)


def shoot(tab: Tab, out: Path, name: str) -> Path:
    settle(tab)
    path = out / f"{name}.png"
    tab.page.screenshot(path=str(path))
    print(f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return path


def away(tab: Tab) -> None:
    """Move the pointer off the charts (a hovered chart shows a tooltip)."""
    tab.page.mouse.move(2, 200)


def make_conflict(services, other_db: Path, vid: str, area_key: str) -> None:  # type: ignore[no-untyped-def]
    """Two made-up team members answer one item differently on two tablets; the second
    tablet's changes are merged here, as a sync would."""
    from visitapp.store import oplog

    other = open_test_services(other_db)
    try:
        with services.db.read() as conn:
            ops = oplog.ops_for_visit(conn, vid)
        with other.db.write() as conn:
            oplog.apply_ops(other.db, conn, ops)
        item = "ed.handover_within_15"
        services.visits.answer(vid, area_key, item, "no", author="Alex Example")
        other.visits.answer(vid, area_key, item, "partial", author="Priya Example")
        with other.db.read() as conn:
            theirs = oplog.ops_for_visit(conn, vid)
        with services.db.write() as conn:
            oplog.apply_ops(services.db, conn, theirs)
    finally:
        other.close()


def small_png(src: Path, dest: Path, limit: int = DOCS_LIMIT) -> int:
    """Quantise to a palette (no pngquant needed) until the file is under `limit`."""
    image = Image.open(src).convert("RGB")
    for colours in (128, 64, 32):
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT,
                       dither=Image.Dither.NONE).save(dest, optimize=True)
        if dest.stat().st_size < limit:
            break
    return dest.stat().st_size


def run(out: Path, docs: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "screens.db"
        server = AppServer(db, log=Path(tmp) / "app.log").start()
        try:
            services = open_test_services(db)
            state = services.visits.load(services.visits.list_visits()[0]["id"])
            vid, ed = state.id, state.areas[0]
            make_conflict(services, Path(tmp) / "other.db", vid, ed.key)
            services.close()
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                for size_name, size in (("landscape", LANDSCAPE), ("portrait", PORTRAIT)):
                    print(f"{size_name} {size['width']}x{size['height']}:")
                    tab = Tab(browser, server.url, viewport=size)
                    tab.page.goto(server.url, wait_until="commit")  # the drawn first frame
                    tab.page.wait_for_selector("#loading", state="attached")
                    path = out / f"{size_name}-0-first-frame.png"
                    tab.page.screenshot(path=str(path))
                    print(f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
                    tab.close()
                    tab = Tab(browser, server.url, viewport=size).open()
                    tab.wait(f"visit-{vid}")
                    shoot(tab, out, f"{size_name}-1-visits")
                    tab.click(f"visit-{vid}")
                    tab.wait(f"area-{ed.key}")
                    shoot(tab, out, f"{size_name}-2-overview")
                    tab.click(f"area-{ed.key}")
                    tab.wait("area-progress")
                    checklist = shoot(tab, out, f"{size_name}-3-checklist")
                    if docs and size_name == "landscape":
                        size_b = small_png(checklist, DOCS_PNG)
                        print(f"  {DOCS_PNG.relative_to(REPO)} ({size_b // 1024} KB)")
                    first = ed.form.items[0].id
                    tab.click(f"more-{first}")
                    tab.wait(f"guidance-{first}")
                    shoot(tab, out, f"{size_name}-3b-more")
                    tab.click(f"more-close-{first}")
                    tab.click("section-index")
                    tab.wait("sections-close")
                    shoot(tab, out, f"{size_name}-3c-sections")
                    tab.click("sections-close")
                    tab.click(f"more-{first}")
                    tab.click(f"flag-concern-{first}")
                    tab.wait("finding-save")
                    shoot(tab, out, f"{size_name}-4-flag-concern")
                    tab.click("finding-cancel")
                    # the privacy guard, inline (a made-up postcode; nothing is stored)
                    second = ed.form.items[1].id
                    tab.click(f"more-{second}")
                    tab.click(f"note-btn-{second}")
                    tab.type_into(f"note-{second}", "Leaflet gives the address AB9 9ZZ")
                    tab.wait(f"note-{second}-warn-message")
                    tab.reveal(f"note-{second}-warn-confirm")
                    shoot(tab, out, f"{size_name}-4b-privacy-warning")
                    tab.reveal("ans-ed.department_feel-green")
                    shoot(tab, out, f"{size_name}-5-checklist-rag")
                    tab.close()
                    tab = Tab(browser, server.url, viewport=size).open(f"visit/{vid}/findings")
                    tab.wait("add-finding")
                    shoot(tab, out, f"{size_name}-6-findings")
                    tab.close()
                    tab = Tab(browser, server.url, viewport=size).open(f"visit/{vid}/photos")
                    tab.wait("add-photo")
                    shoot(tab, out, f"{size_name}-7-photos")
                    tab.close()
                    tab = Tab(browser, server.url, viewport=size).open("new")
                    tab.wait("new-system")
                    shoot(tab, out, f"{size_name}-8-new-visit")
                    tab.click("new-date-pick")
                    shoot(tab, out, f"{size_name}-8b-date-picker")
                    tab.close()
                    tab = Tab(browser, server.url, viewport=size).open(f"visit/{vid}/feedback")
                    tab.wait("create-pdf")
                    shoot(tab, out, f"{size_name}-9-feedback")
                    tab.reveal("report-preview")
                    shoot(tab, out, f"{size_name}-9b-feedback-preview")
                    tab.reveal("km-1")
                    shoot(tab, out, f"{size_name}-9c-feedback-key-messages")
                    tab.close()
                    tab = Tab(browser, server.url, viewport=size).open(f"visit/{vid}/data")
                    tab.wait("import-csv")
                    shoot(tab, out, f"{size_name}-10-data")
                    tab.reveal("chart-days-summary")
                    away(tab)
                    shoot(tab, out, f"{size_name}-10b-data-chart-days")
                    tab.reveal("chart-stranded-summary")
                    away(tab)
                    shoot(tab, out, f"{size_name}-10c-data-chart-stranded")
                    tab.close()
                    tab = Tab(browser, server.url, viewport=size).open()
                    tab.wait(f"continue-{vid}")  # the place touched in the checklist above
                    shoot(tab, out, f"{size_name}-1b-visits-continue")
                    tab.close()
                    tab = Tab(browser, server.url, viewport=size).open(f"visit/{vid}")
                    tab.wait("conflict-0")
                    tab.reveal("conflict-0-write-save")
                    shoot(tab, out, f"{size_name}-11-overview-conflict")
                    outside = tab.unexpected_outside()
                    tab.close()
                    if outside:
                        sys.exit(f"the app fetched from outside 127.0.0.1: {outside}")
                browser.close()
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    parser.add_argument("--no-docs", action="store_true",
                        help="do not rewrite docs/app-checklist.png")
    args = parser.parse_args()
    run(args.out.resolve(), docs=not args.no_docs)


if __name__ == "__main__":
    main()
