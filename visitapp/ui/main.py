"""The walk-through app: start-up, navigation between screens, and the status line.

`launch()` opens the services once and hands them to every session; each browser tab (or
the desktop window) gets its own `App`, which owns navigation. Screens live in
`visitapp.ui.screens`, one module each, picked by `visitapp.ui.routes`; they call the services and never touch SQL.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import flet as ft

from visitapp.domain.timefmt import london_clock, london_today
from visitapp.errors import PatientDataWarning, StoreError, UserError
from visitapp.services.app import Services
from visitapp.services.sync import BackgroundSync, SyncStatus
from visitapp.services.walkthrough import TabletPrefs, ensure_demo_visit
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.photo_sources import FilePickerSource, PhotoSource, photo_source_for
from visitapp.ui.routes import build_screen, stack_for
from visitapp.ui.web_index import write_web_assets
from visitapp.ui.widgets import SMALL, app_theme, sem


class SyncHub:
    """The tablet's one background sync, shared by every session (tab or window).

    `BackgroundSync` runs on its own thread; when a run ends, the status is read there
    (never on the event loop) and handed to each session, which shows it through
    `page.run_task`. Saves ask for a sync soon (`trigger`); nothing here waits on the
    network.
    """

    def __init__(self, services: Services, **options: Any) -> None:
        self.services = services
        self.status: SyncStatus = services.sync.status()
        self._listeners: set[Callable[[SyncStatus], None]] = set()
        self._lock = threading.Lock()
        self.background = BackgroundSync(services.sync, on_done=self._done, **options)

    def start(self) -> None:
        self.background.start()

    def stop(self) -> None:
        self.background.stop()

    def trigger(self) -> None:
        self.background.trigger()

    def listen(self, listener: Callable[[SyncStatus], None]) -> None:
        with self._lock:
            self._listeners.add(listener)

    def forget(self, listener: Callable[[SyncStatus], None]) -> None:
        with self._lock:
            self._listeners.discard(listener)

    def _done(self, report: Any, error: Any) -> None:
        try:
            self.status = self.services.sync.status()
        except Exception:  # noqa: BLE001 - the database closing on exit
            return
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(self.status)
            except Exception:  # noqa: BLE001 - a session gone meanwhile
                self.forget(listener)


class StatusBar(ft.Row):
    """Online or offline, the last save, and sync: changes waiting, last sync, problems."""

    def __init__(self, app: App) -> None:
        self.online = ft.Text("", size=SMALL, color=theme.WHITE, weight=ft.FontWeight.W_600)
        self.online_icon = ft.Icon(ft.Icons.WIFI, color=theme.WHITE, size=18)
        self.saved = ft.Text("", size=SMALL, color=theme.WHITE)
        self.pending = ft.Text("", size=SMALL, color=theme.WHITE)
        self.sync_icon = ft.Icon(ft.Icons.CLOUD_OFF, color=theme.WHITE, size=18)
        self.pending_box = sem("status-pending", ft.Row([self.sync_icon, self.pending],
                                                        spacing=4, tight=True))
        super().__init__(spacing=14, controls=[
            sem("status-saved", self.saved),
            self.pending_box,
            sem("status-online", ft.Row([self.online_icon, self.online], spacing=4, tight=True)),
            ft.Container(width=8),
        ])
        self.show(app)

    def show(self, app: App) -> None:
        self.online.value = "Online" if app.online else "Offline"
        self.online_icon.icon = ft.Icons.WIFI if app.online else ft.Icons.WIFI_OFF
        self.saved.value = app.saved_text
        status = app.sync_status
        self.pending.value = vm.sync_status_short(status)
        self.pending_box.label = vm.sync_status_label(status)
        self.sync_icon.icon = (ft.Icons.TABLET_ANDROID if not status.enrolled else
                               ft.Icons.SYNC_PROBLEM if status.last_error or status.clock_warning
                               else ft.Icons.CLOUD_DONE if not status.pending
                               else ft.Icons.CLOUD_UPLOAD)


def on_page(control: ft.Control) -> bool:
    try:
        return control.page is not None
    except RuntimeError:  # not (or no longer) on the page
        return False


class App:
    """One session: a browser tab or the desktop window."""

    SYNC_AFTER_SAVE_S = 2.0  # a burst of taps asks for one sync, a moment after the last

    def __init__(self, page: ft.Page, services: Services, prefs: TabletPrefs,
                 sync: SyncHub | None = None,
                 today: Callable[[], date] | None = None) -> None:
        self.page = page
        # The date a new visit starts on: given by `launch` (the tablet's clock in London);
        # tests pass a fixed one.
        self.today: Callable[[], date] = today or london_today
        self.services = services
        self.prefs = prefs
        self.sync = sync
        self.sync_status: SyncStatus = services.sync.status()  # fresh: a quick count
        self._sync_soon: asyncio.TimerHandle | None = None
        self.online = True
        self.saved_text = ""
        self.current = ""
        self.screens: dict[str, Any] = {}
        self.status_bars: list[StatusBar] = []
        self.connectivity: ft.Connectivity | None = None
        self.file_picker: ft.FilePicker | None = None
        self.photo_source: PhotoSource = FilePickerSource()
        self.activity: Callable[[], None] = lambda: None  # a tap or save: the idle lock waits

    # --- start-up ------------------------------------------------------------------

    def start(self) -> None:
        page = self.page
        page.title = "Peer visit"
        page.theme_mode = ft.ThemeMode.LIGHT
        page.theme = app_theme()
        page.bgcolor = theme.NHS_GREY_BG
        page.on_route_change = self._route_changed
        page.on_view_pop = self._view_popped
        # A closed tab or a dropped connection: save whatever was still being typed.
        page.on_disconnect = self._disconnected
        if self.sync is not None:
            self.sync.listen(self._sync_done)
        self.file_picker = ft.FilePicker()
        self.photo_source = photo_source_for(page)
        try:
            self.connectivity = ft.Connectivity(on_change=self._connectivity_changed)
            page.run_task(self._first_connectivity)
        except Exception:  # noqa: BLE001 - a platform without it just shows "Online"
            self.connectivity = None
        self.show(page.route or "/")

    def _disconnected(self, e: Any = None) -> None:
        self.leave_current()
        if self.sync is not None:
            self.sync.forget(self._sync_done)

    # --- sync ----------------------------------------------------------------------

    def _sync_done(self, status: SyncStatus) -> None:
        """From the sync thread: show the new status on this session's event loop."""
        self.page.run_task(self._show_sync, status)

    async def _show_sync(self, status: SyncStatus) -> None:
        self.sync_status = status
        self._refresh_status()
        targets: list[ft.Control] = [b for b in self.status_bars if on_page(b)]
        top = self.screens.get(self.current)
        if top is not None and hasattr(top, "sync_changed"):
            targets += [c for c in top.sync_changed(status) if on_page(c)]
        if targets:
            try:
                self.page.update(*targets)
            except RuntimeError:
                self.page.update()

    def sync_now(self) -> None:
        if self.sync is not None:
            self.sync.trigger()

    def _ask_for_sync(self) -> None:
        """Sync a moment after the last save (not on every tap)."""
        if self.sync is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.sync.trigger()
            return
        if self._sync_soon is not None:
            self._sync_soon.cancel()
        self._sync_soon = loop.call_later(self.SYNC_AFTER_SAVE_S, self.sync.trigger)

    async def _first_connectivity(self) -> None:
        if self.connectivity is None:
            return
        try:
            kinds = await self.connectivity.get_connectivity()
        except Exception:  # noqa: BLE001
            return
        self._set_online(vm.is_online(kinds))

    def _connectivity_changed(self, e: ft.ConnectivityChangeEvent) -> None:
        self._set_online(vm.is_online(e.connectivity))

    def _set_online(self, online: bool) -> None:

        self.online = online
        self._refresh_status()
        self.page.update()

    # --- status --------------------------------------------------------------------

    def status_bar(self) -> StatusBar:
        bar = StatusBar(self)
        self.status_bars.append(bar)
        return bar

    def push(self, *controls: ft.Control, status: bool = True) -> None:
        """Send just these controls (and the status line) to the screen.

        The hot paths (a tap on an answer) use this instead of Flet's automatic update
        after each event, which diffs the whole page: ~70 ms with a 60-item checklist.
        """
        targets = [c for c in controls if on_page(c)]
        if status:
            targets += [b for b in self.status_bars if on_page(b)]
        if targets:
            try:
                self.page.update(*targets)
            except RuntimeError:  # a control left the page meanwhile: send everything
                self.page.update()
        ft.context.mark_update_called()

    def mark_saved(self, what: str = "answer") -> None:
        self.activity()
        self.saved_text = vm.saved_text(london_clock(fmt="%H:%M:%S"), what)
        self._refresh_status()
        self._ask_for_sync()

    def _live_status_bars(self) -> None:
        """The status lines of the views now on the page (those of views gone are not)."""
        self.status_bars = [a for v in self.page.views if v.appbar is not None
                            for a in (v.appbar.actions or []) if isinstance(a, StatusBar)]

    def _refresh_status(self) -> None:
        for bar in self.status_bars:
            bar.show(self)

    def author(self, visit_id: str) -> str | None:
        return self.prefs.i_am(visit_id)

    def toast(self, message: str) -> None:
        self.page.show_dialog(ft.SnackBar(ft.Text(message, size=16), duration=4000))

    UNDO_FOR_MS = 6000  # long enough to read the message and reach the button

    def offer_undo(self, message: str, undo: Callable[[], None]) -> None:
        """A snackbar with "Undo" for a few seconds; undoing is a new write (an op)."""
        done = False

        def once(e: Any) -> None:
            # the action and the snackbar may both report the tap: undo it once
            nonlocal done
            if not done:
                done = True
                undo()

        self.page.show_dialog(ft.SnackBar(
            ft.Text(message, size=16), duration=self.UNDO_FOR_MS, persist=False,
            on_action=once, action=ft.SnackBarAction(
                label="Undo", text_color=theme.NHS_WARM_YELLOW, on_click=once)))

    def problem(self, err: Exception) -> None:
        """A user's mistake or a refused value, in words, without losing the screen."""
        if isinstance(err, PatientDataWarning | UserError):
            self.toast(vm.user_words(err))
        elif isinstance(err, StoreError):
            self.toast(f"Not saved: {vm.user_words(err, capital=False)}. Try again; if it keeps happening, "
                       "restart the app.")
        else:
            self.toast(f"Something went wrong: {err}")

    # --- navigation ----------------------------------------------------------------

    def go(self, route: str) -> None:
        """Show `route` at once, then tell the browser (its echo is ignored)."""
        self.show(route)
        self.page.navigate(route)

    def _route_changed(self, e: ft.RouteChangeEvent) -> None:
        if e.route != self.current:
            self.show(e.route)
        else:  # the browser echoing a route we already show: nothing to send
            ft.context.mark_update_called()

    async def _view_popped(self, e: ft.ViewPopEvent) -> None:
        target = self._parent()
        self.show(target)
        await self.page.push_route(target)

    def _parent(self) -> str:
        stack = stack_for(self.current)
        return stack[-2] if len(stack) > 1 else "/"

    def back(self) -> None:
        """The app bar's back arrow: up one level (from an area to its visit, and so on)."""
        self.go(self._parent())

    def leave_current(self) -> None:
        top = self.screens.get(self.current)
        if top is not None and hasattr(top, "leave"):
            top.leave()

    def show(self, route: str) -> None:
        """Put the view stack for `route` on the page, reusing screens still in it."""
        self.activity()
        self.leave_current()
        stack = stack_for(route)
        route = stack[-1]
        screens: dict[str, Any] = {}
        for r in stack:
            screen = self.screens.get(r)
            if screen is None:
                try:
                    screen = build_screen(self, r)
                except UserError as err:  # a visit or area no longer on this tablet
                    self.toast(vm.user_words(err))
                    if route != "/":
                        self.show("/")
                    return
            elif r == route and hasattr(screen, "refresh"):
                screen.refresh()
            screens[r] = screen
        self.screens = screens
        self.current = route
        self.page.views.clear()
        self.page.views.extend(s.view for s in screens.values())
        self._live_status_bars()
        self.page.update()
        top = screens[route]
        if hasattr(top, "after_show"):
            top.after_show()


def web_mode(web: bool, environ: Mapping[str, str], platform: str) -> bool:
    """Serve the app to a browser on 127.0.0.1 (True) or open a window (False)?

    Asked for with --web, or forced on Linux with no display. Inside a `flet build` app
    (Android, iOS) Flet's runtime sets FLET_PLATFORM and the app has its own window.
    """
    if environ.get("FLET_PLATFORM"):
        return False
    headless = platform.startswith("linux") and not environ.get("DISPLAY") \
        and not environ.get("WAYLAND_DISPLAY")
    return web or headless


def launch(db_path: Path, web: bool, port: int, demo_date: date,
           pin: str | None = None) -> None:
    """Run the app: a browser app on 127.0.0.1 when asked (or when there is no display), a
    desktop window otherwise. The PIN screen comes first (visitapp.ui.screens.pin) unless
    `pin` is given (VISITAPP_PIN, for scripts and tests); the first unlock creates the demo
    visit dated `demo_date` on a new tablet and starts the background sync."""
    from visitapp.services.tablet_lock import TabletLock
    from visitapp.ui.screens.pin import IdleLock, PinScreen

    prefs = TabletPrefs(db_path)
    hubs: list[SyncHub] = []

    def first_open(services: Services) -> None:
        created = ensure_demo_visit(services, demo_date)
        if created:
            team = services.visits.load(created).team
            prefs.set_i_am(created, team[0].name if team else None)
        hub = SyncHub(services)
        hub.listen(lambda status: lock.record_unsynced())
        hub.start()
        hubs.append(hub)

    lock = TabletLock(db_path, now=time.time, on_open=first_open)
    if pin:
        lock.unlock(pin)

    def main(page: ft.Page) -> None:
        idle = IdleLock(page, lock)

        def unlocked(services: Services) -> None:
            app = App(page, services, prefs, hubs[0] if hubs else None)
            app.activity = idle.touch
            app.start()
            idle.start()

        if lock.services is not None:
            unlocked(lock.services)
        else:
            page.views.clear()
            page.views.append(PinScreen(page, lock, unlocked).view)
            page.update()

    try:
        if web_mode(web, os.environ, sys.platform):
            # Forcing the web server stops Flet opening a browser or a desktop client, and
            # no_cdn serves the renderer and fonts from the flet-web wheel: nothing leaves
            # this machine.
            os.environ["FLET_FORCE_WEB_SERVER"] = "1"
            # Flet reads FLET_SERVER_IP over `host`: set it, so that a stray 0.0.0.0 in
            # the environment cannot publish the visit to the ward's network.
            host = os.environ["FLET_SERVER_IP"] = "127.0.0.1"
            os.environ.pop("FLET_SERVER_PORT", None)
            sys.stderr.write(f"visitapp: open http://{host}:{port}/ in a browser "
                             "(Ctrl+C stops the app)\n")
            sys.stderr.flush()
            # Our index.html (zoomable, a drawn first frame) is served from a folder of
            # its own, made fresh from the installed flet-web at each start.
            web_assets = write_web_assets(Path(tempfile.mkdtemp(prefix="visitapp-web-")))
            try:
                ft.run(main, host=host, port=port, no_cdn=True, view=ft.AppView.WEB_BROWSER,
                       assets_dir=str(web_assets))
            finally:
                shutil.rmtree(web_assets, ignore_errors=True)
        else:
            ft.run(main, view=ft.AppView.FLET_APP)
    finally:
        for hub in hubs:
            hub.stop()
        lock.close()


def packaged_db_path(environ: Mapping[str, str]) -> Path:
    """Where a `flet build` app keeps its database: $VISITAPP_DB, else the app's private
    data folder that Flet's runtime names in FLET_APP_STORAGE_DATA, else the default."""
    from visitapp.settings import ENV_DB, default_db_path

    if environ.get(ENV_DB):
        return Path(environ[ENV_DB]).expanduser()
    if environ.get("FLET_APP_STORAGE_DATA"):
        return Path(environ["FLET_APP_STORAGE_DATA"]) / "visitapp.db"
    return default_db_path()


if __name__ == "__main__":  # the entry module of `flet build` ([tool.flet.app] in pyproject)
    from visitapp.domain.timefmt import london_today

    launch(packaged_db_path(os.environ), web=False, port=0, demo_date=london_today())
