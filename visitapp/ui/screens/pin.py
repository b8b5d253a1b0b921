"""The PIN screen: one field labelled "PIN", submitted with Enter; shown on start (then the
route asked for), and again over whatever is on screen after a set idle time. "Change the
PIN" asks for the current PIN, then the new one twice, in the same field.

Forgotten PIN: the screen says plainly that the data cannot be opened without it, and
offers to start afresh, naming how many unsynced changes would be lost; only a second,
explicit press removes anything. The unlocking itself (Argon2id, ~0.3 s) runs on a worker
thread so the page stays responsive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import flet as ft

from visitapp.errors import PinProblem, StoreError, UserError
from visitapp.services.app import Services
from visitapp.services.tablet_lock import TabletLock
from visitapp.ui import theme
from visitapp.ui.widgets import BODY, SMALL, button, heading, sem

IDLE_LOCK_S = 5 * 60.0  # the screen locks after five minutes without a tap or key


class PinScreen:
    """The PIN view for one session; `on_unlocked(services)` runs after the right PIN."""

    def __init__(self, page: ft.Page, lock: TabletLock,
                 on_unlocked: Callable[[Services], None]) -> None:
        self.page = page
        self.lock = lock
        self.on_unlocked = on_unlocked
        self.first_pin: str | None = None  # a new PIN, until typed again
        self.old_pin: str | None = None  # while changing the PIN
        self.changing = False
        self.field = ft.TextField(label="PIN", password=True, autofocus=True, width=320,
                                  keyboard_type=ft.KeyboardType.NUMBER, on_submit=self._submit,
                                  text_size=22)
        self.prompt = ft.Text("", size=BODY, color=theme.NHS_DARK_BLUE)
        self.message = ft.Text("", size=BODY, color=theme.NHS_RED)
        self.forgotten = ft.Column(spacing=12, visible=False)
        # Only once a PIN exists: before that there is nothing to change or to forget.
        self.pin_actions = ft.Row(spacing=12, wrap=True, controls=[
            button("pin-change", "Change the PIN", self._start_change),
            button("pin-forgotten", "Forgotten the PIN?", self._show_forgotten)])
        self.view = ft.View(route="/pin", bgcolor=theme.NHS_GREY_BG, padding=32, controls=[
            ft.Column(spacing=16, controls=[
                heading("Peer visit: locked", ident="pin-heading"),
                self.prompt,
                sem("pin-field", self.field),
                sem("pin-message", self.message),
                self.pin_actions,
                self.forgotten,
            ])])
        self._reset_prompt()

    def _reset_prompt(self) -> None:
        self.first_pin = self.old_pin = None
        self.changing = False
        self.pin_actions.visible = not self.lock.is_new()
        self.prompt.value = (
            "Choose a PIN of 6 or more digits: it locks this tablet's visit data. "
            "Press Enter." if self.lock.is_new()
            else "Enter the PIN to open this tablet's visit data, then press Enter.")

    def _start_change(self, e: Any = None) -> None:
        if self.lock.is_new():
            self.message.value = "There is no PIN yet: choose one first."
        else:
            self._reset_prompt()
            self.changing = True
            self.prompt.value = "Change the PIN: enter the current PIN, then press Enter."
            self.message.value = ""
        self.page.update()

    def _say(self, prompt: str | None = None, message: str = "", ok: bool = False) -> None:
        if prompt is not None:
            self.prompt.value = prompt
        self.message.value = message
        self.message.color = theme.NHS_DARK_BLUE if ok else theme.NHS_RED
        self.page.update()

    async def _submit(self, e: Any = None) -> None:
        pin = (self.field.value or "").strip()
        self.field.value = ""
        new_tablet = self.lock.is_new() and self.lock.services is None
        if self.changing and self.old_pin is None:
            self.old_pin = pin
            return self._say("Enter the new PIN (6 or more digits), then press Enter.")
        if (self.changing or new_tablet) and self.first_pin is None:
            self.first_pin = pin
            return self._say("Type the same PIN again, then press Enter.")
        if (self.changing or new_tablet) and pin != self.first_pin:
            changing = self.changing
            self._reset_prompt()
            if changing:
                self.changing = True
                self.prompt.value = "Change the PIN: enter the current PIN, then press Enter."
            return self._say(message="The two PINs differ: nothing was changed. Start again.")
        self._say(message="Checking…")
        try:
            if self.changing:
                await asyncio.to_thread(self.lock.change_pin, self.old_pin or "", pin)
            else:
                services = await asyncio.to_thread(self.lock.unlock, pin)
        except (PinProblem, StoreError) as problem:
            changing = self.changing
            self._reset_prompt()
            if changing:
                self.changing = True
                self.prompt.value = "Change the PIN: enter the current PIN, then press Enter."
            return self._say(message=str(problem)[:1].upper() + str(problem)[1:] + ".")
        if self.changing:
            self._reset_prompt()
            return self._say(message="PIN changed. Enter the new PIN to open the data.", ok=True)
        self.message.value = ""
        self.on_unlocked(services)

    def _show_forgotten(self, e: Any = None) -> None:
        hint = self.lock.unsynced_hint()
        count = hint.count if hint else None
        if hint is None:
            changes, loss = "an unknown number of changes", "The number of changes made on " \
                "this tablet that had not reached the programme office is not known: " \
                "starting afresh loses them."
        else:
            from visitapp.domain.timefmt import london_clock

            at = london_clock(datetime.fromtimestamp(hint.at, UTC), "%d %b %Y %H:%M")
            changes = f"{hint.count} change{'' if hint.count == 1 else 's'}"
            loss = (f"{changes} made on this tablet had not reached the programme office "
                    f"(as counted at {at}): starting afresh loses "
                    f"{'it' if hint.count == 1 else 'them'}.")
        self.forgotten.controls = [
            ft.Text("Without the PIN the visit data on this tablet cannot be opened, by "
                    "you or by anyone else: it is encrypted, and the PIN is not kept "
                    "anywhere.", size=BODY),
            ft.Text("You can start afresh: this tablet's data is removed, you choose a new "
                    "PIN, and after enrolling again with a new token from the programme "
                    "office (which revokes this tablet's old one), sync brings back the "
                    "team's visits that were synced.", size=BODY),
            ft.Text(loss, size=BODY, weight=ft.FontWeight.BOLD),
            button("pin-start-afresh", f"Remove this tablet's data and lose {changes}",
                   lambda e: self._start_afresh(count), danger=True),
            ft.Text("Nothing is removed until you press that button.", size=SMALL),
        ]
        self.forgotten.visible = True
        self.page.update()

    def _start_afresh(self, count: int | None) -> None:
        try:
            self.lock.start_afresh(count)
        except UserError as problem:
            self.message.value = str(problem)
        else:
            self.forgotten.visible = False
            self._reset_prompt()
            self.message.value = "This tablet's data was removed. Choose a new PIN."
        self.page.update()


class IdleLock:
    """Covers a session with the PIN screen after `idle_s` without activity; the screen
    under it (and anything typed there) stays as it was, and comes back after the PIN."""

    def __init__(self, page: ft.Page, lock: TabletLock, idle_s: float = IDLE_LOCK_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.page = page
        self.lock = lock
        self.idle_s = idle_s
        self.clock = clock
        self.last = clock()
        self.locked = False
        self._handlers: tuple[Any, Any] | None = None
        self.screen: PinScreen | None = None

    def touch(self, *_: Any) -> None:
        self.last = self.clock()

    def start(self) -> None:
        self.page.on_keyboard_event = self.touch
        self.page.run_task(self._watch)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(min(15.0, self.idle_s / 4))
            self.check()

    def check(self) -> bool:
        """Lock now if the idle time has run out; True if it did."""
        if not self.locked and self.clock() - self.last >= self.idle_s:
            self.lock_now()
            return True
        return False

    def lock_now(self) -> None:
        page = self.page
        self.locked = True
        # Routes asked for while locked wait until the PIN is given.
        self._handlers = (page.on_route_change, page.on_view_pop)
        page.on_route_change = None
        page.on_view_pop = None
        self.screen = PinScreen(page, self.lock, lambda services: self._unlocked())
        page.views.append(self.screen.view)
        page.update()

    def _unlocked(self) -> None:
        page = self.page
        if page.views and page.views[-1].route == "/pin":
            page.views.pop()
        if self._handlers is not None:
            page.on_route_change, page.on_view_pop = self._handlers
        self.locked = False
        self.touch()
        page.update()
