"""Sync as the app sees it: enrol, sync now, how things stand, conflicts and resolving them.

The token is kept inside the tablet's encrypted database (`sync_state.token`), so a lost
tablet gives it away no more than it gives away the visits: not without the PIN. (Before,
it was a plain file beside the database, `<database>.sync-token`; one left by an older
version is moved into the database, and removed, the first time it is needed.) A bundle
never carries it: bundles hold ops only. `BackgroundSync`
runs `sync_now` on a thread: on a timer while the programme office answers, and every few
seconds while it does not, so it catches connectivity coming back; the UI never waits.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from sync.client import (
    BlobSource,
    NotEnrolled,
    SyncClient,
    SyncError,
    SyncReport,
    Unreachable,
    clock_warning,
)
from sync.office_api import HttpOffice
from visitapp.domain.timefmt import london_today
from visitapp.errors import BadValue, NotFound
from visitapp.services.visits import guard_text
from visitapp.store import oplog, outbox, sync_state
from visitapp.store.db import Database

TOKEN_SUFFIX = ".sync-token"  # where versions before 0011 kept the token (moved in on use)

HttpFactory = Callable[[str, str], httpx.Client]  # (server url, token) -> client


def sync_engine(db: Database, blobs: BlobSource, http: httpx.Client,
                **options: Any) -> SyncClient:
    """The sync engine for a tablet database, talking to the office over `http`."""
    return SyncClient(outbox.TabletOutbox(db), blobs, HttpOffice(http), **options)


def token_path(db_path: Path) -> Path:
    """The old token file beside a database, read once to move it into the database."""
    return db_path.with_name(db_path.name + TOKEN_SUFFIX)


def default_http(server_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=server_url, headers={"Authorization": f"Bearer {token}"},
                        timeout=httpx.Timeout(30.0, connect=5.0))


@dataclass(frozen=True)
class SyncStatus:
    enrolled: bool
    server_url: str | None
    pending: int  # changes not yet acknowledged by the programme office
    rejected: list[tuple[str, str]]  # (op id, reason), kept on the tablet
    last_sync_at: str | None
    last_error: str | None
    clock_warning: str | None
    set_aside: list[tuple[str, str, int]] = field(default_factory=list)  # (source, why, n)

    @property
    def set_aside_line(self) -> str | None:
        """Received changes this tablet set aside (quarantined), in one line."""
        total = sum(n for _, _, n in self.set_aside)
        if not total:
            return None
        reasons = "; ".join(f"{n} × {why}" for _, why, n in self.set_aside[:3])
        return f"{total} received change(s) set aside, not applied: {reasons}"

    def lines(self) -> list[str]:
        """The status in words, for the sync panel and the CLI."""
        if not self.enrolled:
            return ["not enrolled with the programme office: `visitapp enrol --server URL`"]
        out = [f"programme office: {self.server_url}",
               f"changes waiting to be sent: {self.pending}",
               f"last sync: {self.last_sync_at or 'never'}"]
        if self.rejected:
            out.append(f"refused by the programme office: {len(self.rejected)}")
        if self.set_aside_line:
            out.append(self.set_aside_line)
        if self.last_error:
            out.append(f"last problem: {self.last_error}")
        if self.clock_warning:
            out.append(f"warning: {self.clock_warning}")
        return out


class SyncService:
    def __init__(self, db: Database, blobs: Any, *, http_factory: HttpFactory = default_http,
                 client_options: dict[str, Any] | None = None,
                 today: Callable[[], date] = london_today) -> None:
        self.db = db
        self.today = today  # for retention after a sync
        self.blobs = blobs
        self.http_factory = http_factory
        self.client_options = client_options or {}
        self._lock = threading.Lock()  # one sync at a time (button and timer)

    # --- enrolment ------------------------------------------------------------------------

    def enrol(self, server_url: str, token: str) -> str:
        """Keep the server and token, then register this tablet's key with the office and
        pin the office's key. Returns a line saying how that went: an office that cannot
        be reached now is no error (the key is registered at the first sync)."""
        server_url = server_url.strip().rstrip("/")
        token = token.strip()
        if not server_url.startswith(("http://", "https://")):
            raise BadValue(f"server {server_url!r} is not a web address (http://… or https://…)")
        if not token or any(c.isspace() for c in token):
            raise BadValue("the token is empty or has spaces: copy it again from the "
                           "programme office")
        with self.db.write() as conn:  # the address and the token together, or neither
            sync_state.enrol(conn, server_url)
            sync_state.set_token(conn, token)
        token_path(self.db.path).unlink(missing_ok=True)
        try:
            with self._lock, self.http_factory(server_url, token) as http:
                sync_engine(self.db, self.blobs, http, **self.client_options).register()
        except SyncError as err:
            return f"this tablet's key is not registered yet ({err}); it will be at the next sync"
        return "this tablet's key is registered with the programme office, and the office's key pinned"

    def _stored_token(self) -> str | None:
        """The token, moving one an older version left in a file into the database."""
        with self.db.read() as conn:
            token = sync_state.get_token(conn)
        old = token_path(self.db.path)
        if token is None and old.is_file():
            token = old.read_text(encoding="utf-8").strip() or None
            if token is not None:
                with self.db.write() as conn:
                    sync_state.set_token(conn, token)
            old.unlink()
        return token

    def _credentials(self) -> tuple[str, str]:
        with self.db.read() as conn:
            url = sync_state.get_state(conn).server_url
        token = self._stored_token()
        if not url or not token:
            raise NotEnrolled("this tablet is not enrolled with the programme office: "
                              "`visitapp enrol --server URL`")
        return url, token

    # --- syncing --------------------------------------------------------------------------

    def sync_now(self, progress: Callable[[str], None] | None = None) -> SyncReport:
        """Push and pull once; raises a SyncError with words when it cannot finish."""
        with self._lock:
            try:
                url, token = self._credentials()
            except NotEnrolled as err:
                with self.db.write() as conn:
                    sync_state.record_attempt(conn, ok=False, error=str(err),
                                              clock_skew_ms=None)
                raise
            with self.http_factory(url, token) as http:
                client = sync_engine(self.db, self.blobs, http, progress=progress,
                                     **self.client_options)
                report = client.sync()
            # Only once everything is at the office can a finished visit leave the tablet
            # (retention refuses a visit with anything unsent, whatever this says).
            from visitapp.services.retention import retain_after_sync

            report.retention_days, report.released = retain_after_sync(self, self.today())
            return report

    # --- what this tablet holds (issue 15; sync.holdings) ----------------------------------

    @contextmanager
    def _engine(self) -> Iterator[SyncClient]:
        url, token = self._credentials()
        with self._lock, self.http_factory(url, token) as http:
            yield sync_engine(self.db, self.blobs, http, **self.client_options)

    def available(self) -> list[dict[str, Any]]:
        """The team's visits at the programme office not held on this tablet: objects
        with id, system, date and status (asks the office: needs a connection)."""
        with self._engine() as client:
            return client.available()

    def fetch(self, visit_id: str) -> SyncReport:
        """Hold a visit of the team here from now on (a full id, or a prefix of one
        listed by `available`): its current state, then its photos; later changes come
        with every sync."""
        visit_id = visit_id.strip()
        with self._engine() as client:
            if len(visit_id) < 32:  # a prefix: the office's list says which visit
                matches = [v["id"] for v in client.available() if v["id"].startswith(visit_id)]
                if len(matches) > 1:
                    raise BadValue(f"visit id {visit_id!r} is ambiguous: "
                                   f"{', '.join(m[:12] for m in matches[:5])}")
                if matches:
                    visit_id = matches[0]
            return client.fetch(visit_id)

    def status(self) -> SyncStatus:
        with self.db.read() as conn:
            state = sync_state.get_state(conn)
            pending = sync_state.unsent_count(conn)
            rejected = sync_state.rejections(conn)
            set_aside = outbox.quarantined(conn)
        return SyncStatus(
            enrolled=bool(state.server_url) and self._stored_token() is not None,
            server_url=state.server_url, pending=int(pending), rejected=rejected,
            last_sync_at=state.last_sync_at, last_error=state.last_error,
            clock_warning=clock_warning(state.clock_skew_ms), set_aside=set_aside)

    def retry_rejected(self) -> int:
        """Offer refused changes again at the next sync (say, after fixing the clock)."""
        with self.db.write() as conn:
            return sync_state.clear_rejections(conn)

    # --- conflicts ------------------------------------------------------------------------

    def conflicts(self, visit_id: str) -> list[dict[str, Any]]:
        """The visit's open conflicts, identical on every tablet holding the same ops."""
        with self.db.read() as conn:
            stale = sync_state.has_stale(conn, visit_id)
        if stale:
            with self.db.write() as conn:
                sync_state.refresh_stale(conn, visit_id)
        with self.db.read() as conn:
            return sync_state.list_conflicts(conn, visit_id)

    def resolve_conflict(self, visit_id: str, entity: str, entity_id: str, field: str, *,
                         value: Any = None, choose_op_id: str | None = None,
                         author: str | None = None, confirmed: bool = False) -> None:
        """Settle a conflict with a chosen op's value or a new one: both are new ops.

        Answer values should come canonical (parse them with the item first, as the
        answer screen does). A written text passes the privacy guard like any other; a
        chosen value keeps the confirmation its maker gave.
        """
        if choose_op_id is None and isinstance(value, str):
            guard_text("the value written to settle the conflict", value, confirmed)
        key = (visit_id, entity, entity_id, field)
        with self.db.write() as conn:
            losing = sync_state.conflicting_op_ids(conn, visit_id, key)
            if not losing:
                raise NotFound(f"no open conflict on {entity} {entity_id} {field}")
            if choose_op_id is not None:
                row = conn.execute(
                    "SELECT value, confirmed FROM ops WHERE op_id = ? AND visit_id = ? "
                    "AND entity = ? AND entity_id = ? AND field = ?",
                    (choose_op_id, *key)).fetchone()
                if row is None:
                    raise NotFound(f"op {choose_op_id} is not one of the competing values")
                value, confirmed = json.loads(row[0]), bool(row[1])
            oplog.record(self.db, conn, visit_id=visit_id, entity=entity, entity_id=entity_id,
                         field=field, value=value, author=author, confirmed=confirmed)
            for op_id in losing:
                oplog.record(self.db, conn, visit_id=visit_id,
                             entity=sync_state.RESOLUTION_ENTITY, entity_id=op_id,
                             field=sync_state.RESOLUTION_FIELD, value=True, author=author)
            sync_state.refresh_field(conn, key)


class BackgroundSync:
    """Sync on a thread: every `interval_s` when online, every `offline_s` when not."""

    def __init__(self, service: SyncService, *, interval_s: float = 120.0,
                 offline_s: float = 15.0,
                 on_done: Callable[[SyncReport | None, SyncError | None], None] | None = None,
                 ) -> None:
        self.service = service
        self.interval_s = interval_s
        self.offline_s = offline_s
        self.on_done = on_done or (lambda _report, _error: None)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="visitapp-sync", daemon=True)
            self._thread.start()

    def trigger(self) -> None:
        """Sync soon (a change was saved, or the user pressed Sync)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            wait = self.interval_s
            try:
                report = self.service.sync_now()
                self.on_done(report, None)
            except Unreachable as err:
                wait = self.offline_s
                self.on_done(None, err)
            except SyncError as err:
                self.on_done(None, err)
            except Exception as err:  # never a traceback or a dead sync thread
                self.on_done(None, SyncError(
                    f"sync failed unexpectedly ({type(err).__name__}); every change is kept "
                    "on this tablet"))
            self._wake.wait(wait)
            self._wake.clear()
