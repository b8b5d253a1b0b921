"""The tablet's sync engine: push pending ops, pull the team's, over an injected httpx client.

The network is one seam: `SyncClient` takes an `httpx.Client` whose base URL and bearer
token are already set, so tests hand it a client bound to the office app in-process, or a
fault-injecting transport.

What it promises:
- An op is marked pushed only from the server's answer for that op id. A lost answer
  just means the batch goes again, and the server answers "duplicate" (op ids are unique
  there), so nothing is doubled and the op still ends acknowledged.
- Attachments go up before the ops that name them, so no other tablet receives an op
  pointing at a file the server does not have. A file the server refuses (too large) is
  recorded and does not hold back the rest.
- A pulled page and the cursor after it are written in one local transaction: a crash
  between the two cannot skip a page (PouchDB's lost-changes bug) and a repeat is
  harmless (ops are applied idempotently by op id).
- Network errors and 5xx are retried with jittered exponential backoff; a 4xx is not
  retried: per op it is recorded as rejected (kept in the op-log, shown with its reason),
  for the whole tablet (revoked token, app too old) it stops the sync with the reason.

Errors (all `SyncError`, a `VisitAppError`):

    SyncError
    ├── NotEnrolled     no server or token on this tablet yet
    ├── Unreachable     network errors or 5xx, still failing after the retries
    └── Refused         the server refused the tablet itself (token, protocol version)
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from sync.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    PullResponse,
    PushResponse,
)
from visitapp.domain import hlc as hlc_mod
from visitapp.errors import VisitAppError
from visitapp.store import oplog, sync_state
from visitapp.store.blob_refs import referenced_blobs, refs_of_op
from visitapp.store.db import Database

SKEW_WARNING_MS = 5 * 60 * 1000
CHUNK = 500


class SyncError(VisitAppError):
    """Sync could not finish; the message says why in words."""


class NotEnrolled(SyncError):
    pass


class Unreachable(SyncError):
    pass


class Refused(SyncError):
    pass


class BlobSource(Protocol):
    """What the engine needs of the tablet's file store (visitapp.services.BlobStore)."""

    def has(self, sha256: str) -> bool: ...

    def read(self, sha256: str) -> bytes: ...

    def put(self, data: bytes, content_type: str) -> str: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Full-jitter exponential backoff: wait uniform(0, min(cap, base * 2**attempt))."""

    attempts: int = 5
    base_s: float = 0.5
    cap_s: float = 8.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap_s, self.base_s * (2 ** attempt)))


@dataclass
class SyncReport:
    pushed: int = 0  # accepted by the server now
    duplicates: int = 0  # the server already had them (a resend after a lost answer)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (op id, reason)
    pulled: int = 0  # new ops applied here
    pulled_duplicates: int = 0
    blobs_uploaded: int = 0
    blobs_downloaded: int = 0
    blob_problems: list[str] = field(default_factory=list)
    clock_skew_ms: int | None = None

    @property
    def complete(self) -> bool:
        """Everything went up and came down."""
        return not self.rejected and not self.blob_problems

    @property
    def clock_warning(self) -> str | None:
        return clock_warning(self.clock_skew_ms)


def clock_warning(skew_ms: int | None) -> str | None:
    if skew_ms is None or abs(skew_ms) <= SKEW_WARNING_MS:
        return None
    minutes = abs(skew_ms) / 60_000
    way = "behind" if skew_ms > 0 else "ahead of"
    return (f"this tablet's clock is {minutes:.0f} minutes {way} the programme office's: "
            "set the date and time automatically in the tablet's settings")


class SyncClient:
    def __init__(
        self,
        db: Database,
        blobs: BlobSource,
        http: httpx.Client,
        *,
        batch_size: int = 1000,
        pull_limit: int = 1000,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        now_ms: Callable[[], int] = hlc_mod.system_ms,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.http = http
        self.batch_size = batch_size
        self.pull_limit = pull_limit
        self.retry = retry
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.now_ms = now_ms
        self.progress = progress or (lambda _message: None)

    # --- the whole round ----------------------------------------------------------------

    def sync(self) -> SyncReport:
        """Push everything pending, then pull everything new; record how it went."""
        report = SyncReport()
        try:
            self.push(report)
            self.pull(report)
        except SyncError as err:
            self._record(ok=False, error=str(err), report=report)
            raise
        problems = [f"{len(report.rejected)} change(s) refused by the programme office"] \
            if report.rejected else []
        problems += report.blob_problems
        self._record(ok=True, error="; ".join(problems) or None, report=report)
        return report

    def _record(self, *, ok: bool, error: str | None, report: SyncReport) -> None:
        with self.db.write() as conn:
            sync_state.record_attempt(conn, ok=ok, error=error,
                                      clock_skew_ms=report.clock_skew_ms)

    # --- push ---------------------------------------------------------------------------

    def push(self, report: SyncReport | None = None) -> SyncReport:
        """Send every pending op, a batch at a time, oldest first.

        One request is in flight at a time; while the office works on it, the next batch
        is read and encoded and the previous answer recorded (on two cores that overlap is
        what reaches the issue's 20,000 ops/s).
        """
        report = report or SyncReport()
        after = 0  # rowid: ops already sent in this round are not read again
        in_flight: tuple[Future[httpx.Response], list[oplog.OpRecord], int] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="visitapp-push") as pool:
            try:
                while True:
                    batch, after = self._pending_batch(after)
                    sent = None
                    if batch:
                        self._upload_blobs(batch, report)
                        # The envelope of sync.protocol.PushRequest, written directly: the
                        # ops come from our own op-log; the server validates strictly.
                        body = json.dumps({"protocol": PROTOCOL_VERSION,
                                           "ops": [op.as_dict() for op in batch]},
                                          separators=(",", ":"), ensure_ascii=False)
                        started = self.now_ms()
                        future = pool.submit(self._request, "POST", "/v1/ops",
                                             content=body.encode("utf-8"),
                                             headers={"content-type": "application/json"})
                        sent = (future, batch, started)
                    if in_flight is not None:
                        self._settle(*in_flight, report)
                    in_flight = sent
                    if in_flight is None:
                        return report
            except BaseException:
                if in_flight is not None:
                    in_flight[0].cancel()
                raise

    def _settle(self, future: Future[httpx.Response], batch: list[oplog.OpRecord],
                started: int, report: SyncReport) -> None:
        """Record the office's answer to one batch."""
        response = future.result()
        if response.status_code >= 400:
            self._refuse_batch(batch, response, report)
            return
        answer = _push_answer(response)
        report.clock_skew_ms = _skew(answer.server_time_ms, started, self.now_ms())
        if not self._acknowledge(batch, answer, report):
            raise SyncError("the programme office answered a push without a result "
                            "for every change; nothing more was sent")
        self.progress(f"sent {report.pushed + report.duplicates} change(s)")

    def _pending_batch(self, after: int) -> tuple[list[oplog.OpRecord], int]:
        with self.db.read() as conn:
            rows = conn.execute(
                f"SELECT rowid, {', '.join(oplog.OP_COLUMNS)} FROM ops WHERE pushed = 0 "
                "AND rowid > ? AND op_id NOT IN (SELECT op_id FROM sync_rejections) "
                "ORDER BY rowid LIMIT ?", (after, self.batch_size)).fetchall()
        if not rows:
            return [], after
        return ([oplog.OpRecord(*row[1:-1], confirmed=bool(row[-1])) for row in rows],
                rows[-1][0])

    def _acknowledge(self, batch: Sequence[oplog.OpRecord], answer: PushAnswer,
                     report: SyncReport) -> bool:
        results = answer.results
        done: list[str] = []
        with self.db.write() as conn:
            for op in batch:
                result = results.get(op.op_id)
                if result is None:
                    continue
                status, reason = result
                if status == "rejected":
                    reason = reason or "refused"
                    sync_state.reject(conn, op.op_id, reason)
                    report.rejected.append((op.op_id, reason))
                    continue
                done.append(op.op_id)
                if status == "applied":
                    report.pushed += 1
                else:
                    report.duplicates += 1
            _mark_pushed(conn, done)
        return all(op.op_id in results for op in batch)

    def _refuse_batch(self, batch: Sequence[oplog.OpRecord], response: httpx.Response,
                      report: SyncReport) -> None:
        detail = _detail(response)
        if response.status_code in (401, 403, 426):
            raise Refused(f"the programme office refused this tablet: {detail}")
        reason = f"HTTP {response.status_code}: {detail}"
        with self.db.write() as conn:
            for op in batch:
                sync_state.reject(conn, op.op_id, reason)
                report.rejected.append((op.op_id, reason))

    # --- attachments --------------------------------------------------------------------

    def _upload_blobs(self, batch: Sequence[oplog.OpRecord], report: SyncReport) -> None:
        wanted = sorted({sha for op in batch for sha in refs_of_op(op)})
        if not wanted:
            return
        with self.db.read() as conn:
            marks = ",".join("?" * len(wanted))
            done = {r[0] for r in conn.execute(
                f"SELECT sha256 FROM sync_blobs WHERE sha256 IN ({marks})", wanted)}
            types = dict(conn.execute(
                f"SELECT sha256, content_type FROM blobs WHERE sha256 IN ({marks})", wanted))
        for sha in wanted:
            if sha in done or not self.blobs.has(sha):
                continue  # sent before, or a relayed op whose file its maker will send
            path = f"/v1/blobs/{sha}"
            if self._request("HEAD", path).status_code == 200:
                self._mark_blob(sha, "uploaded")
                continue
            response = self._request("PUT", path, content=self.blobs.read(sha), headers={
                "content-type": types.get(sha) or "application/octet-stream"})
            if response.status_code < 400:
                self._mark_blob(sha, "uploaded")
                report.blobs_uploaded += 1
                self.progress(f"sent photo {sha[:8]}")
            elif response.status_code in (401, 403, 426):
                raise Refused(f"the programme office refused this tablet: {_detail(response)}")
            else:
                detail = _detail(response)
                self._mark_blob(sha, "refused", detail)
                report.blob_problems.append(f"photo {sha[:8]} not sent: {detail}")

    def _mark_blob(self, sha: str, state: str, detail: str | None = None) -> None:
        with self.db.write() as conn:
            sync_state.mark_blob(conn, sha, state, detail)

    def _download_blobs(self, report: SyncReport) -> None:
        with self.db.read() as conn:
            shas = referenced_blobs(conn)
        for sha in sorted(shas):
            if self.blobs.has(sha):
                continue
            response = self._request("GET", f"/v1/blobs/{sha}")
            if response.status_code >= 400:
                report.blob_problems.append(
                    f"photo {sha[:8]} not on the programme office yet ({_detail(response)})")
                continue
            if hashlib.sha256(response.content).hexdigest() != sha:
                report.blob_problems.append(f"photo {sha[:8]} arrived damaged; will retry")
                continue
            self.blobs.put(response.content,
                           response.headers.get("content-type", "application/octet-stream"))
            self._mark_blob(sha, "uploaded")  # the server has it: never send it back
            report.blobs_downloaded += 1

    # --- pull ---------------------------------------------------------------------------

    def pull(self, report: SyncReport | None = None) -> SyncReport:
        report = report or SyncReport()
        while True:
            with self.db.read() as conn:
                cursor = sync_state.get_state(conn).cursor
            started = self.now_ms()
            response = self._request("GET", "/v1/ops",
                                     params={"after": cursor, "limit": self.pull_limit})
            if response.status_code >= 400:
                raise Refused(f"the programme office refused this tablet: {_detail(response)}")
            page = _pull_page(response)
            report.clock_skew_ms = _skew(page["server_time_ms"], started, self.now_ms())
            ops = page["ops"]
            self.apply_page(ops, page["cursor"], report)
            if ops:
                self.progress(f"received {report.pulled + report.pulled_duplicates} change(s)")
            if not page["has_more"]:
                break
        self._download_blobs(report)
        return report

    def apply_page(self, ops: Sequence[oplog.OpRecord], cursor: int,
                   report: SyncReport) -> None:
        """Apply a pulled page and move the cursor past it, in one local transaction."""
        with self.db.write() as conn:
            counts = oplog.apply_ops(self.db, conn, ops)
            _mark_pushed(conn, [op.op_id for op in ops])  # the server has them all
            sync_state.set_cursor(conn, cursor)
        report.pulled += counts["applied"]
        report.pulled_duplicates += counts["duplicate"]

    # --- HTTP ---------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call, retried on network errors and 5xx only; returns any other answer."""
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), **kwargs.pop("headers", {})}
        problem = ""
        for attempt in range(self.retry.attempts):
            try:
                response = self.http.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as err:
                problem = f"cannot reach the programme office ({_network_words(err)})"
            else:
                if response.status_code < 500:
                    return response
                problem = (f"the programme office had a problem (HTTP {response.status_code}); "
                           "try again later")
            if attempt + 1 < self.retry.attempts:
                self.sleep(self.retry.delay(attempt, self.rng))
        raise Unreachable(problem)


def _mark_pushed(conn: Any, op_ids: Sequence[str]) -> None:
    for i in range(0, len(op_ids), CHUNK):
        chunk = op_ids[i:i + CHUNK]
        conn.execute(f"UPDATE ops SET pushed = 1 WHERE pushed = 0 AND op_id IN "
                     f"({','.join('?' * len(chunk))})", chunk)


PULL_KEYS = frozenset(PullResponse.model_fields)
PUSH_KEYS = frozenset(PushResponse.model_fields)
OP_KEYS = frozenset(oplog.OP_COLUMNS) | {"server_seq"}
_TYPES = {"seq": int, "hlc": int, "confirmed": bool, "prev_op_id": (str, type(None)),
          "author": (str, type(None)), "server_seq": int}


def _pull_page(response: httpx.Response) -> dict[str, Any]:
    """A PullResponse checked by hand (shape and types), its ops as OpRecords.

    The pydantic model costs more than applying the ops; the checks that matter to the
    tablet's database (every field there, of the right type, valid JSON values) remain.
    """
    try:
        data = response.json()
        if set(data) != PULL_KEYS:
            raise ValueError(f"unexpected fields {sorted(set(data) ^ PULL_KEYS)}")
        ops = []
        for op in data["ops"]:
            if set(op) != OP_KEYS:
                raise ValueError("an op with unexpected fields")
            for name in oplog.OP_COLUMNS:
                if not isinstance(op[name], _TYPES.get(name, str)):
                    raise ValueError(f"op field {name} of the wrong type")
            json.loads(op["value"])
            del op["server_seq"]
            ops.append(oplog.OpRecord(**op))
        data["ops"] = ops
        for name in ("cursor", "server_time_ms"):
            if not isinstance(data[name], int):
                raise ValueError(f"{name} is not a number")
        if not isinstance(data["has_more"], bool):
            raise ValueError("has_more is not true or false")
        return data
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise SyncError("the programme office answered in a form this app does not "
                        f"understand (HTTP {response.status_code}): update the app") from err


@dataclass(frozen=True)
class PushAnswer:
    results: dict[str, tuple[str, str | None]]  # op id -> (status, reason)
    server_time_ms: int


def _push_answer(response: httpx.Response) -> PushAnswer:
    """A PushResponse checked by hand: a model per result costs more than the push."""
    try:
        data = response.json()
        if set(data) != PUSH_KEYS:
            raise ValueError(f"unexpected fields {sorted(set(data) ^ PUSH_KEYS)}")
        results = {}
        for r in data["results"]:
            if r["status"] not in ("applied", "duplicate", "rejected"):
                raise ValueError(f"unknown status {r['status']!r}")
            results[str(r["op_id"])] = (r["status"], r.get("reason"))
        return PushAnswer(results, int(data["server_time_ms"]))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise SyncError("the programme office answered in a form this app does not "
                        f"understand (HTTP {response.status_code}): update the app") from err


def _skew(server_ms: int, started_ms: int, ended_ms: int) -> int:
    """Server clock minus ours, taking the middle of the round trip as the moment."""
    return server_ms - (started_ms + ended_ms) // 2


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else f"HTTP {response.status_code}"


def _network_words(err: httpx.TransportError) -> str:
    if isinstance(err, httpx.ConnectError):
        return "no connection"
    if isinstance(err, httpx.TimeoutException):
        return "timed out"
    return err.__class__.__name__
