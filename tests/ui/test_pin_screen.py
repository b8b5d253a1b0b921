"""The PIN screen without a browser: after the idle time it covers the session, routes
wait, and the right PIN brings back the screen that was there; the PIN can be changed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import TEST_KDF, TEST_PIN
from tests.ui.test_screens_build import FakePage
from visitapp.errors import WrongPin
from visitapp.services.tablet_lock import TabletLock
from visitapp.services.walkthrough import TabletPrefs
from visitapp.ui.main import App
from visitapp.ui.screens.pin import IdleLock, PinScreen


@pytest.fixture
def lock(services, db_path: Path):  # the fixture made the tablet under the test PIN
    services.close()
    lock = TabletLock(db_path, kdf=TEST_KDF)
    lock.unlock(TEST_PIN)
    yield lock
    lock.close()


def test_idle_lock__covers_after_the_idle_time_and_the_pin_brings_the_screen_back(lock,
                                                                                   db_path):
    page = FakePage()
    page.on_route_change = page.on_view_pop = None
    app = App(page, lock.services, TabletPrefs(db_path))  # type: ignore[arg-type]
    now = [0.0]
    idle = IdleLock(page, lock, idle_s=300, clock=lambda: now[0])  # type: ignore[arg-type]
    app.activity = idle.touch
    app.start()
    routed = page.on_route_change
    now[0] = 299
    assert not idle.check()
    app.show("/new")  # activity: the idle time starts again
    now[0] = 598
    assert not idle.check()
    now[0] = 599
    assert idle.check()
    assert [v.route for v in page.views] == ["/", "/new", "/pin"]
    assert page.on_route_change is None  # a route asked for now waits for the PIN
    screen = idle.screen
    screen.field.value = "111111"
    asyncio.run(screen._submit())
    assert page.views[-1].route == "/pin" and "Wrong PIN" in screen.message.value
    screen.field.value = TEST_PIN
    asyncio.run(screen._submit())
    assert [v.route for v in page.views] == ["/", "/new"]
    assert page.on_route_change is routed and not idle.locked


def test_pin_screen__changes_the_pin_in_the_same_field(db_path, services):
    services.close()
    lock = TabletLock(db_path, kdf=TEST_KDF)
    screen = PinScreen(FakePage(), lock, lambda s: None)  # type: ignore[arg-type]

    def submit(pin: str) -> str:
        screen.field.value = pin
        asyncio.run(screen._submit())
        return str(screen.message.value)

    screen._start_change()
    submit("111111")  # a wrong current PIN is only found out at the end
    submit("97531086")
    assert "Wrong PIN" in submit("97531086")
    screen._start_change()
    submit(TEST_PIN)
    submit("97531086")
    assert "differ" in submit("97531087")
    submit(TEST_PIN)
    submit("97531086")
    assert submit("97531086") == "PIN changed. Enter the new PIN to open the data."
    with pytest.raises(WrongPin):
        lock.unlock(TEST_PIN)
    opened = []
    screen.on_unlocked = opened.append
    assert submit("97531086") == "" and opened == [lock.services] and lock.services
    lock.close()
