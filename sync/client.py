"""The tablet's sync engine: push pending ops, pull the team's.

Two seams, both protocols: the tablet's database is an `Outbox` (its SQL lives in
`visitapp.store.outbox`; this module writes none) and the programme office an
`OfficeApi` (`sync.office_api.HttpOffice` over httpx; tests bind it to the office app
in-process, or inject faults).

What it promises:
- An op is marked pushed only from the server's answer for that op id. A lost answer
  just means the batch goes again, and the server answers "duplicate" (op ids are unique
  there), so nothing is doubled and the op still ends acknowledged.
- Every request body stays under the office's limit (`MAX_BODY_BYTES`): a batch is cut
  short by size as well as by count.
- Attachments go up before the ops that name them, so no other tablet receives an op
  pointing at a file the server does not have. A file the server refuses (too large, not
  a photo or PDF) is recorded and does not hold back the rest.
- Every pulled op is checked with the one op schema (`visitapp.domain.op_schema`) and
  every signed one against its tablet's key (sent with the page) or the office key
  pinned at enrolment; one that fails, or cannot be applied here, is quarantined with
  its reason and the rest of the page is applied.
- Before its first push under a key, the tablet registers the key with the office
  (`register`: a proof of holding it, for this token's device record) and pins the
  office's key. A page and the cursor after it are written in one local
  transaction: a crash between the two cannot skip a page and a repeat is harmless.
- A tablet restored from a backup or copied (the office holds change numbers of its
  identity that it does not) takes a new key and identity, registers it, signs its
  unsent ops again under it (their ids stay), says so, and carries on.
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

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from sync.office_api import OfficeApi, OfficeUnreachable, Reply
from sync.protocol import (
    MAX_BODY_BYTES,
    NOT_FINAL,
    PROTOCOL_VERSION,
    PullResponse,
    PushResponse,
)
from visitapp.domain import hlc as hlc_mod
from visitapp.domain import signing
from visitapp.domain.op_schema import op_problem
from visitapp.errors import VisitAppError

SKEW_WARNING_MS = 5 * 60 * 1000
BODY_BUDGET = MAX_BODY_BYTES // 2  # room for the envelope and JSON escaping
REFUSAL_STATUSES = (401, 403, 426)


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


class Outbox(Protocol):
    """What the engine needs of the tablet database (visitapp.store.outbox.TabletOutbox)."""

    @property
    def device_id(self) -> str: ...

    def pending_batch(self, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]: ...

    def settle(self, pushed: Sequence[str], rejected: Sequence[tuple[str, str]]) -> None: ...

    def renew_identity(self, reason: str) -> tuple[str, int]: ...

    def cursor(self) -> int: ...

    def apply_page(self, ops: Sequence[dict[str, Any]], bad: Sequence[tuple[Any, str]],
                   cursor: int, keys: Mapping[str, str] | None = None) -> dict[str, int]: ...

    def registration_needed(self) -> bool: ...

    def prove_key(self, statement: str) -> tuple[str, str, list[str]]: ...

    def pinned_office_key(self) -> str | None: ...

    def record_registration(self, device_id: str, office_public_key: str) -> None: ...

    def blob_refs(self, ops: Sequence[dict[str, Any]]) -> list[str]: ...

    def blobs_to_send(self, shas: Sequence[str]) -> dict[str, str]: ...

    def mark_blob(self, sha256: str, state: str, detail: str | None = None) -> None: ...

    def referenced_blobs(self) -> set[str]: ...

    def download_order(self) -> list[str]: ...

    def held_visits(self) -> list[str]: ...

    def apply_snapshot(self, ops: Sequence[dict[str, Any]], bad: Sequence[tuple[Any, str]],
                       keys: Mapping[str, str] | None = None) -> dict[str, int]: ...

    def record_attempt(self, *, ok: bool, error: str | None,
                       clock_skew_ms: int | None) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Full-jitter exponential backoff: wait uniform(0, min(cap, base * 2**attempt))."""

    attempts: int = 5
    base_s: float = 0.5
    cap_s: float = 8.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap_s, self.base_s * (2 ** attempt)))


RENEWED = ("this tablet was restored from a backup or copied: it now uses a new identity "
           "(a new key, registered with the programme office) and signed its unsent "
           "changes again under it")


@dataclass
class SyncReport:
    pushed: int = 0  # accepted by the server now
    duplicates: int = 0  # the server already had them (a resend after a lost answer)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (op id, reason)
    pulled: int = 0  # new ops applied here
    pulled_duplicates: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)  # reason -> ops set aside
    waiting: Counter[str] = field(default_factory=Counter)  # reason -> ops the office will
    # take later (their visit or their tablet is not there yet): kept, sent again
    identity_renewed: str | None = None  # words, when this tablet took a new identity
    blobs_uploaded: int = 0
    blobs_downloaded: int = 0
    blob_problems: list[str] = field(default_factory=list)
    clock_skew_ms: int | None = None
    visit_id: str = ""  # the visit a fetch brought (sync.holdings.fetch)
    # Set by the app after a sync (visitapp.services.retention): finished visits this
    # tablet let go of, safe at the office, and the period that applied.
    released: list[str] = field(default_factory=list)
    retention_days: int | None = None

    @property
    def complete(self) -> bool:
        """Everything went up and came down."""
        return not (self.rejected or self.blob_problems or self.quarantined or self.waiting)

    @property
    def clock_warning(self) -> str | None:
        return clock_warning(self.clock_skew_ms)

    def count_received(self, counts: Mapping[str, int], bad: Sequence[tuple[Any, str]],
                       set_aside: str) -> None:
        """Add what applying received ops did: applied, duplicates, and each op set aside
        (`bad` with its schema reason, the rest of the quarantined under `set_aside`)."""
        self.pulled += counts["applied"]
        self.pulled_duplicates += counts["duplicate"]
        for _op, reason in bad:
            self.quarantined[reason] += 1
        extra = counts["quarantined"] - len(bad)
        if extra > 0:
            self.quarantined[set_aside] += extra

    def set_aside_line(self) -> str | None:
        """One line: how many changes were refused or set aside, and the main reasons."""
        reasons: Counter[str] = Counter(reason for _, reason in self.rejected)
        reasons.update(self.quarantined)
        total = sum(reasons.values())
        if not total:
            return None
        parts = [f"{n} × {reason}" for reason, n in reasons.most_common(3)]
        more = len(reasons) - 3
        return (f"{total} change(s) refused or set aside, kept on this tablet: "
                + "; ".join(parts) + (f"; and {more} other reason(s)" if more > 0 else ""))


    def waiting_line(self) -> str | None:
        total = sum(self.waiting.values())
        if not total:
            return None
        why = "; ".join(f"{n} × {reason}" for reason, n in self.waiting.most_common(2))
        return f"{total} change(s) kept to send later: {why}"


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
        outbox: Outbox,
        blobs: BlobSource,
        office: OfficeApi,
        *,
        batch_size: int = 1000,
        pull_limit: int = 1000,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        now_ms: Callable[[], int] = hlc_mod.system_ms,
        progress: Callable[[str], None] | None = None,
        body_budget: int = BODY_BUDGET,
    ) -> None:
        self.outbox = outbox
        self.blobs = blobs
        self.office = office
        self.batch_size = batch_size
        self.pull_limit = pull_limit
        self.retry = retry
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.now_ms = now_ms
        self.progress = progress or (lambda _message: None)
        self.body_budget = body_budget

    # --- the whole round ----------------------------------------------------------------

    def sync(self) -> SyncReport:
        """Push everything pending, then pull everything new; record how it went."""
        report = SyncReport()
        try:
            self.register()
            self.push(report)
            self.tell_holds()  # after the push: the office has this tablet's new visits
            renewed = report.identity_renewed
            self.pull(report)
            if report.identity_renewed != renewed:
                self._push_all(report)  # renewed while pulling: send the renumbered ops
        except SyncError as err:
            self.outbox.record_attempt(ok=False, error=str(err),
                                       clock_skew_ms=report.clock_skew_ms)
            raise
        problems = [line for line in (report.set_aside_line(), report.waiting_line()) if line]
        problems += report.blob_problems
        self.outbox.record_attempt(ok=True, error="; ".join(problems) or None,
                                   clock_skew_ms=report.clock_skew_ms)
        return report

    # --- push ---------------------------------------------------------------------------

    def push(self, report: SyncReport | None = None) -> SyncReport:
        """Send every pending op, a batch at a time, oldest first.

        One request is in flight at a time; while the office works on it, the next batch
        is read and encoded and the previous answer recorded. When the office says this
        tablet's change numbers are taken (a restored or copied tablet), it renews its
        identity once and sends the renumbered ops.
        """
        report = report or SyncReport()
        pushed = report.pushed
        if self._push_all(report) and not report.identity_renewed:
            self._renew(report)
            self._push_all(report)
        if report.waiting and report.pushed > pushed:
            # A visit's creation op may have gone in a later batch than some of its ops.
            report.waiting.clear()
            self._push_all(report)
        return report

    def _push_all(self, report: SyncReport) -> bool:
        """One pass over the pending ops; True when the office found our numbers taken."""
        self.register()  # a new identity's key goes before the ops signed with it
        after = 0
        taken = False
        in_flight: tuple[Future[Reply], list[dict[str, Any]], int] | None = None
        own = self.outbox.device_id
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="visitapp-push") as pool:
            try:
                while True:
                    batch, body, after = self._next_batch(after)
                    sent = None
                    if batch:
                        self._upload_blobs(batch, report)
                        started = self.now_ms()
                        sent = (pool.submit(self._call, self.office.push, body, own),
                                batch, started)
                    if in_flight is not None:
                        taken |= self._settle(*in_flight, report, own)
                    in_flight = sent
                    if in_flight is None:
                        return taken
            except BaseException:
                if in_flight is not None:
                    in_flight[0].cancel()
                raise

    def _next_batch(self, after: int) -> tuple[list[dict[str, Any]], bytes, int]:
        """The next batch and its body, cut short to stay within the body budget."""
        rows = self.outbox.pending_batch(after, self.batch_size)
        parts: list[str] = []
        batch: list[dict[str, Any]] = []
        size = 0
        for position, op in rows:
            text = json.dumps(op, separators=(",", ":"), ensure_ascii=False)
            if batch and size + len(text) * 3 > self.body_budget:
                break  # *3: the budget counts UTF-8 bytes, len() counts characters
            parts.append(text)
            batch.append(op)
            size += len(text) * 3
            after = position
        # The envelope of sync.protocol.PushRequest, written directly.
        body = f'{{"protocol":{PROTOCOL_VERSION},"ops":[{",".join(parts)}]}}'
        return batch, body.encode("utf-8"), after

    def _settle(self, future: Future[Reply], batch: list[dict[str, Any]], started: int,
                report: SyncReport, own: str) -> bool:
        """Record the office's answer to one batch; True when our numbers were taken."""
        reply = future.result()
        if reply.status >= 400:
            self._refuse_batch(batch, reply, report)
            return False
        answer = _push_answer(reply)
        report.clock_skew_ms = _skew(answer.server_time_ms, started, self.now_ms())
        pushed: list[str] = []
        rejected: list[tuple[str, str]] = []
        taken = False
        for op in batch:
            result = answer.results.get(op["op_id"])
            if result is None:
                continue
            status, reason, code = result
            if status == "rejected":
                if code == "seq_taken" and op["device_id"] == own:
                    taken = True  # not a refusal: sent again under a new identity
                    continue
                if code in NOT_FINAL:
                    report.waiting[reason or "not yet"] += 1  # kept, offered again later
                    continue
                rejected.append((op["op_id"], reason or "refused"))
                continue
            pushed.append(op["op_id"])
            if status == "applied":
                report.pushed += 1
            else:
                report.duplicates += 1
        self.outbox.settle(pushed, rejected)
        report.rejected.extend(rejected)
        if not all(op["op_id"] in answer.results for op in batch):
            raise SyncError("the programme office answered a push without a result "
                            "for every change; nothing more was sent")
        self.progress(f"sent {report.pushed + report.duplicates} change(s)")
        return taken

    def _refuse_batch(self, batch: Sequence[dict[str, Any]], reply: Reply,
                      report: SyncReport) -> None:
        detail = reply.detail()
        if reply.status in REFUSAL_STATUSES:
            raise Refused(f"the programme office refused this tablet: {detail}")
        reason = f"HTTP {reply.status}: {detail}"
        rejected = [(op["op_id"], reason) for op in batch]
        self.outbox.settle([], rejected)
        report.rejected.extend(rejected)

    def _renew(self, report: SyncReport) -> None:
        _new, count = self.outbox.renew_identity(RENEWED)
        report.identity_renewed = f"{RENEWED} ({count} change(s) renumbered)"
        self.progress(report.identity_renewed)

    # --- the tablet's key ----------------------------------------------------------------

    def register(self) -> bool:
        """Register this tablet's public key with the office, once per key, and pin the
        office's key; True when it registered now. The proof signs the office's statement
        for this token's device record, worked out here, not taken from the office."""
        if not self.outbox.registration_needed():
            return False
        reply = self._call(self.office.enrolment)
        if reply.status >= 400:
            raise Refused(f"the programme office refused this tablet: {reply.detail()}")
        try:
            info = reply.json()
            office_device, office_key = str(info["office_device"]), info["office_public_key"]
            if signing.public_key_problem(office_key):
                raise ValueError("not a public key")
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
            raise _not_understood(reply) from err
        pinned = self.outbox.pinned_office_key()
        if pinned is not None and pinned != office_key:
            raise Refused("the programme office's key is not the one this tablet was "
                          "enrolled with: nothing was sent; enrol again only if the "
                          "programme office says its service was replaced")
        statement = signing.registration_statement(office_device, office_key)
        public_key, proof, legacy = self.outbox.prove_key(statement)
        reply = self._call(self.office.register_key, {
            "public_key": public_key, "proof": proof, "legacy_device_ids": legacy})
        if reply.status >= 400:
            raise Refused(f"the programme office refused this tablet's key: {reply.detail()}")
        self.outbox.record_registration(signing.device_id_for(public_key), office_key)
        self.progress("registered this tablet's key with the programme office")
        return True

    # --- attachments --------------------------------------------------------------------

    def _upload_blobs(self, batch: Sequence[dict[str, Any]], report: SyncReport) -> None:
        wanted = self.outbox.blobs_to_send(self.outbox.blob_refs(batch))
        for sha, content_type in sorted(wanted.items()):
            if not self.blobs.has(sha):
                continue  # a relayed op whose file its maker will send
            if self._call(self.office.has_blob, sha).status == 200:
                self.outbox.mark_blob(sha, "uploaded")
                continue
            reply = self._call(self.office.put_blob, sha, self.blobs.read(sha), content_type)
            if reply.status < 400:
                self.outbox.mark_blob(sha, "uploaded")
                report.blobs_uploaded += 1
                self.progress(f"sent photo {sha[:8]}")
            elif reply.status in REFUSAL_STATUSES:
                raise Refused(f"the programme office refused this tablet: {reply.detail()}")
            else:
                self.outbox.mark_blob(sha, "refused", reply.detail())
                report.blob_problems.append(f"photo {sha[:8]} not sent: {reply.detail()}")

    def _download_blobs(self, report: SyncReport) -> None:
        """The files of the visits held here, a few at a time (sync.photos)."""
        from sync import photos

        photos.download(self.outbox.download_order(), blobs=self.blobs, outbox=self.outbox,
                        get=lambda sha: self._call(self.office.get_blob, sha),
                        report=report, progress=self.progress)

    # --- what this tablet holds (sync.holdings) -----------------------------------------

    def tell_holds(self) -> None:
        from sync import holdings

        holdings.tell_holds(self)

    def available(self) -> list[dict[str, Any]]:
        """The team's visits at the office that this tablet does not hold."""
        from sync import holdings

        return holdings.available(self)

    def fetch(self, visit_id: str) -> SyncReport:
        """Hold a visit of the team from now on: its snapshot, then its files."""
        from sync import holdings

        return holdings.fetch(self, visit_id)

    # --- pull ---------------------------------------------------------------------------

    def pull(self, report: SyncReport | None = None) -> SyncReport:
        report = report or SyncReport()
        while True:
            cursor = self.outbox.cursor()
            started = self.now_ms()
            reply = self._call(self.office.pull, cursor, self.pull_limit)
            if reply.status >= 400:
                raise Refused(f"the programme office refused this tablet: {reply.detail()}")
            page = _pull_page(reply)
            report.clock_skew_ms = _skew(page["server_time_ms"], started, self.now_ms())
            self.apply_page(page["ops"], page["bad"], page["cursor"], report, page["keys"])
            if page["ops"] or page["bad"]:
                self.progress(f"received {report.pulled + report.pulled_duplicates} change(s)")
            if not page["has_more"]:
                break
        self._download_blobs(report)
        return report

    def apply_page(self, ops: Sequence[dict[str, Any]], bad: Sequence[tuple[Any, str]],
                   cursor: int, report: SyncReport,
                   keys: Mapping[str, str] | None = None) -> None:
        """Apply a pulled page and move the cursor past it, in one local transaction;
        every signed op is checked against `keys` (the page's) and the keys kept here."""
        counts = self.outbox.apply_page(ops, bad, cursor, keys or {})
        report.count_received(counts, bad,
                              "not genuine, or could not be applied on this tablet")
        if counts["own_unknown"] and not report.identity_renewed:
            self._renew(report)

    # --- calls --------------------------------------------------------------------------

    def _call(self, method: Callable[..., Reply], *args: Any) -> Reply:
        """One call, retried on network errors and 5xx only; returns any other answer."""
        problem = ""
        for attempt in range(self.retry.attempts):
            try:
                reply = method(*args)
            except OfficeUnreachable as err:
                problem = f"cannot reach the programme office ({err})"
            else:
                if reply.status < 500:
                    return reply
                problem = (f"the programme office had a problem (HTTP {reply.status}); "
                           "try again later")
            if attempt + 1 < self.retry.attempts:
                self.sleep(self.retry.delay(attempt, self.rng))
        raise Unreachable(problem)


PULL_KEYS = frozenset(PullResponse.model_fields)
PUSH_KEYS = frozenset(PushResponse.model_fields)


def _not_understood(reply: Reply) -> SyncError:
    return SyncError("the programme office answered in a form this app does not "
                     f"understand (HTTP {reply.status}): update the app")


def check_keys(keys: Any) -> dict[str, str]:
    """The public keys that come with ops (a pulled page, a snapshot): device id -> key,
    both text; anything else is not understood. Their worth is checked op by op."""
    if not isinstance(keys, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in keys.items()):
        raise ValueError("keys of the wrong type")
    return keys


def _pull_page(reply: Reply) -> dict[str, Any]:
    """A PullResponse checked by hand: the page's shape whole, then each op on its own
    with the op schema (a bad op is set aside, the page goes on)."""
    try:
        data = reply.json()
        if not isinstance(data, dict) or set(data) != PULL_KEYS:
            raise ValueError("unexpected fields")
        for name in ("cursor", "server_time_ms"):
            if type(data[name]) is not int:
                raise ValueError(f"{name} is not a number")
        if type(data["has_more"]) is not bool or not isinstance(data["ops"], list):
            raise ValueError("has_more or ops of the wrong type")
        check_keys(data["keys"])
    except (ValueError, KeyError, TypeError, RecursionError) as err:
        raise _not_understood(reply) from err
    data["ops"], data["bad"] = check_received(data["ops"])
    return data


def check_received(ops: list[Any], visit_id: str | None = None) -> tuple[
        list[dict[str, Any]], list[tuple[Any, str]]]:
    """Ops received from the office, each checked on its own with the one op schema:
    (good ones with their optional fields filled in, (bad one, reason) pairs). With
    `visit_id` (a snapshot), an op of another visit is bad too."""
    good: list[dict[str, Any]] = []
    bad: list[tuple[Any, str]] = []
    for op in ops:
        if isinstance(op, dict):
            op = dict(op)
            op.pop("server_seq", None)
        problem = op_problem(op)
        if problem is None and visit_id is not None and op["visit_id"] != visit_id:
            problem = f"in the snapshot of visit {visit_id} but of another visit"
        if problem:
            bad.append((op, problem))
        else:
            good.append({"prev_op_id": None, "author": None, "confirmed": False, "sig": None,
                         **op})
    return good, bad


@dataclass(frozen=True)
class PushAnswer:
    results: dict[str, tuple[str, str | None, str | None]]  # op id -> (status, reason, code)
    server_time_ms: int


def _push_answer(reply: Reply) -> PushAnswer:
    """A PushResponse checked by hand: a model per result costs more than the push."""
    try:
        data = reply.json()
        if set(data) != PUSH_KEYS:
            raise ValueError(f"unexpected fields {sorted(set(data) ^ PUSH_KEYS)}")
        results = {}
        for r in data["results"]:
            if r["status"] not in ("applied", "duplicate", "rejected"):
                raise ValueError(f"unknown status {r['status']!r}")
            results[str(r["op_id"])] = (r["status"], r.get("reason"), r.get("code"))
        return PushAnswer(results, int(data["server_time_ms"]))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
        raise _not_understood(reply) from err


def _skew(server_ms: int, started_ms: int, ended_ms: int) -> int:
    """Server clock minus ours, taking the middle of the round trip as the moment."""
    return server_ms - (started_ms + ended_ms) // 2
