"""Drive the app in headless Chromium: start the server, open a tab, find controls by
their semantics identifier. Shared by the browser tests, `scripts/screenshots` and
`bench/bench_ui.py` (see ../shared/notes/flet-1.0-on-these-machines.md for the why).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from visitapp.services.demo import EXAMPLE_DATE

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
# The Flet web client's optional Rive runtime: fetched from a CDN, fails quietly offline.
KNOWN_OUTSIDE = ("unpkg.com/@rive-app", "cdn.jsdelivr.net/npm/@rive-app", "rive.app")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`visitapp --db DB run --web --port N` in a subprocess, stopped by its pid."""

    def __init__(self, db_path: Path, port: int | None = None, log: Path | None = None) -> None:
        self.db_path = Path(db_path)
        self.port = port or free_port()
        self.log_path = log or self.db_path.with_suffix(".log")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 120) -> AppServer:
        env = dict(os.environ, FLET_FORCE_WEB_SERVER="1", FLET_SERVER_IP="127.0.0.1",
                   FLET_WEB_NO_CDN="1", PYTHONUNBUFFERED="1")
        env.pop("FLET_SERVER_PORT", None)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "visitapp.cli.main", "--db", str(self.db_path), "run",
             "--web", "--port", str(self.port), "--demo-date", EXAMPLE_DATE.isoformat()],
            cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited with {self.proc.returncode}: "
                                   f"{self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the app did not answer on {self.url} within {timeout} s")

    def kill(self) -> None:
        """Kill the app the hard way (power loss, a crash): no chance to tidy up."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.stop()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None


def launch_chromium(playwright, user_data_dir: Path | None = None):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)


def is_loopback(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
        return True
    return parsed.hostname in ("127.0.0.1", "localhost", "::1")


class Tab:
    """One browser context and page on the app, with the semantics tree switched on."""

    def __init__(self, browser, url: str, viewport: dict[str, int] | None = None) -> None:  # type: ignore[no-untyped-def]
        self.context = browser.new_context(viewport=viewport or LANDSCAPE)
        self.outside: list[str] = []
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.url = url

    def _guard(self, route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if is_loopback(url):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def unexpected_outside(self) -> list[str]:
        return [u for u in self.outside if not any(k in u for k in KNOWN_OUTSIDE)]

    def open(self, path: str = "") -> Tab:
        self.page.goto(self.url + path.lstrip("/"))
        self.page.wait_for_selector("#loading", state="detached", timeout=60_000)
        self.enable_semantics()
        return self

    def enable_semantics(self) -> None:
        placeholder = self.page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached")
        placeholder.dispatch_event("click")

    def close(self) -> None:
        self.context.close()

    # --- finding and using controls ------------------------------------------------

    def sel(self, ident: str) -> str:
        return f'[flt-semantics-identifier="{ident}"]'

    def by_id(self, ident: str):  # type: ignore[no-untyped-def]
        return self.page.locator(self.sel(ident))

    def wait(self, ident: str, timeout: float = 20_000) -> None:
        self.by_id(ident).first.wait_for(state="attached", timeout=timeout)

    def exists(self, ident: str) -> bool:
        return self.by_id(ident).count() > 0

    def click(self, ident: str) -> None:
        self.reveal(ident)
        self.by_id(ident).first.click()

    def text_of(self, ident: str) -> str:
        """The words a screen reader gets for `ident`: its text and its descendants' labels."""
        self.wait(ident)
        return self.by_id(ident).first.evaluate(
            "e => [e.innerText, e.getAttribute('aria-label'),"
            " ...Array.from(e.querySelectorAll('[aria-label]')).map(x => x.getAttribute('aria-label'))]"
            ".filter(Boolean).join(' ')")

    def wait_text(self, ident: str, words: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            if self.exists(ident):
                text = self.text_of(ident)
                if words in text:
                    return text
            time.sleep(0.05)
        raise AssertionError(f"{ident} does not say {words!r} (it says {text!r})")

    def type_into(self, ident: str, text: str, submit: str | None = "Tab") -> None:
        """Replace the text of the field inside `ident`; Tab (blur) then saves it.

        While a field is being edited Flutter mirrors its text in the DOM input, so the
        result is checked there, and typed again if the select-all came too early.
        """
        self.reveal(ident)
        field = self.by_id(ident).first.locator("input, textarea").first
        for _ in range(3):
            field.click()
            time.sleep(0.15)  # let Flutter attach its editing state before the shortcut
            self.page.keyboard.press("Control+a")
            time.sleep(0.05)
            self.page.keyboard.type(text)
            if field.input_value() == text:
                break
        else:
            raise AssertionError(f"{ident} holds {field.input_value()!r}, not {text!r}")
        if submit:
            self.page.keyboard.press(submit)

    def checked_state(self, ident: str) -> str | None:
        """aria-checked of `ident`, or of the checkbox inside it (a tile's focusable node
        sits under the one that carries the identifier)."""
        return self.by_id(ident).first.evaluate(
            "e => (e.hasAttribute('aria-checked') ? e : e.querySelector('[aria-checked]'))"
            "?.getAttribute('aria-checked') ?? null")

    def is_selected(self, ident: str) -> bool:
        return self.checked_state(ident) == "true"

    def wait_selected(self, ident: str, selected: bool = True, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exists(ident) and self.is_selected(ident) == selected:
                return
            time.sleep(0.02)
        raise AssertionError(f"{ident} is not {'selected' if selected else 'unselected'}")

    def reveal(self, ident: str, max_scrolls: int = 120) -> None:
        """Scroll the list under the pointer until `ident` is on screen (ListView is lazy).

        Aims for the middle band of the screen, clear of the app bar and the checklist's
        bottom navigation; at the end of a list, anywhere on screen will do. While the
        target is not built yet, scrolls down, and turns back up at the end of the list.
        """
        vp = self.page.viewport_size or LANDSCAPE
        self.page.mouse.move(vp["width"] // 2, vp["height"] // 2)
        direction, last_y, last_sig, turned, still = 1, None, None, False, 0
        for _ in range(max_scrolls):
            loc = self.by_id(ident)
            box = loc.first.bounding_box() if loc.count() else None
            if box:
                top, bottom = box["y"], box["y"] + min(box["height"], 48)
                if top >= 70 and bottom <= vp["height"] - 90:
                    return
                if last_y is not None and abs(top - last_y) < 1 and top >= 0 \
                        and bottom <= vp["height"]:
                    return  # the list cannot scroll further
                last_y = top
                direction = 1 if top > vp["height"] / 2 else -1
            else:
                sig = self._signature()
                still = still + 1 if sig == last_sig else 0
                if still >= 3:  # the list has stopped moving: its end
                    if turned:
                        break
                    direction, turned, still = -direction, True, 0
                last_sig = sig
            self.page.mouse.wheel(0, 300 * direction)
            time.sleep(0.12)
        raise AssertionError(f"could not bring {ident} on screen")

    def _signature(self) -> str:
        return self.page.evaluate(
            "() => Array.from(document.querySelectorAll('[flt-semantics-identifier]'))"
            ".map(e => e.getAttribute('flt-semantics-identifier') + ':' +"
            " Math.round(e.getBoundingClientRect().top)).join(',')")

    def scroll_top(self) -> None:
        vp = self.page.viewport_size or LANDSCAPE
        self.page.mouse.move(vp["width"] // 2, vp["height"] // 2)
        for _ in range(15):
            self.page.mouse.wheel(0, -3000)
        time.sleep(0.3)
