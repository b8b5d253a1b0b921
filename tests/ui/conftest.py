"""Browser fixtures: one app server per module, one browser per module, a fresh browser
context (new Flet session) per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.harness import CHROMIUM, AppServer, Tab, launch_chromium


def _need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing (apt-get install chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message}: the browser tests must run in CI", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tablet") / "tablet.db"


@pytest.fixture(scope="module")
def server(app_db: Path, browser: object) -> Iterator[AppServer]:
    srv = AppServer(app_db).start()
    yield srv
    srv.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.ui_failed = report.failed


@pytest.fixture
def tab(request: pytest.FixtureRequest, browser: object, server: AppServer,
        tmp_path: Path) -> Iterator[Tab]:
    t = Tab(browser, server.url)
    yield t
    if getattr(request.node, "ui_failed", False):
        shot = tmp_path / "failure.png"
        t.page.screenshot(path=str(shot))
        print(f"screenshot of the failure: {shot}")
    outside = t.unexpected_outside()
    t.close()
    assert not outside, f"the app fetched from outside 127.0.0.1: {outside}"
