"""The tablet's side of holding visits (issue 15): say what it holds, list the team's
others, fetch one.

- `tell_holds`: at each sync, after the push and before the pull, the tablet tells the
  office every visit it holds (`PUT /v1/holds`); the office then sends it ops of those
  and of the team's visits in progress only (sync.server.holds).
- `available`: the team's visits at the office this tablet does not hold (id, system,
  date, status), from `GET /v1/visits`.
- `fetch`: `POST /v1/visits/{id}/fetch` holds the visit for this tablet and answers its
  compact snapshot; every op of it is checked with the op schema and applied through the
  same path as a pulled page (`Outbox.apply_snapshot` -> `apply_guarded`), so a bad op
  is quarantined, not applied. Later ops of the visit come by pull; its files follow.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sync.client import (
    REFUSAL_STATUSES,
    Refused,
    SyncError,
    SyncReport,
    _not_understood,
    check_keys,
    check_received,
)
from sync.office_api import Reply
from sync.protocol import MAX_HOLDS, PROTOCOL_VERSION
from visitapp.domain.op_schema import IDENT

if TYPE_CHECKING:
    from sync.client import SyncClient

NO_HOLDS = (404, 405)  # an office from before issue 15: it sends every op, nothing to say


class NotAtOffice(SyncError):
    """The visit asked for is not one of this team's at the programme office."""


def _refused(reply: Reply) -> SyncError:
    if reply.status in REFUSAL_STATUSES:
        return Refused(f"the programme office refused this tablet: {reply.detail()}")
    return SyncError(f"the programme office could not answer (HTTP {reply.status}: "
                     f"{reply.detail()})")


def tell_holds(client: SyncClient) -> None:
    held = client.outbox.held_visits()[:MAX_HOLDS]
    body = json.dumps({"protocol": PROTOCOL_VERSION, "visits": held}, separators=(",", ":"))
    reply = client._call(client.office.put_holds, body.encode())
    if reply.status >= 400 and reply.status not in NO_HOLDS:
        raise _refused(reply)


def available(client: SyncClient) -> list[dict[str, Any]]:
    reply = client._call(client.office.team_visits)
    if reply.status >= 400:
        raise _refused(reply)
    try:
        data = reply.json()
        visits = data["visits"]
        if not isinstance(visits, list):
            raise ValueError("visits is not a list")
        rows = []
        for v in visits:
            row = {k: v[k] for k in ("id", "system", "date", "status")}
            if not isinstance(row["id"], str) or not IDENT.fullmatch(row["id"]) or not all(
                    row[k] is None or isinstance(row[k], str) for k in ("system", "date",
                                                                         "status")):
                raise ValueError("a visit of the wrong shape")
            rows.append(row)
    except (ValueError, KeyError, TypeError, RecursionError) as err:
        raise _not_understood(reply) from err
    held = set(client.outbox.held_visits())
    return [row for row in rows if row["id"] not in held]


def fetch(client: SyncClient, visit_id: str) -> SyncReport:
    report = SyncReport(visit_id=visit_id)
    reply = client._call(client.office.fetch, visit_id)
    if reply.status == 404:
        raise NotAtOffice(f"no visit {visit_id} of this team at the programme office "
                          "(`visitapp visits available` lists them)")
    if reply.status >= 400:
        raise _refused(reply)
    good, bad, keys = _snapshot_ops(reply, visit_id)
    counts = client.outbox.apply_snapshot(good, bad, keys)
    report.count_received(counts, bad, "could not be applied on this tablet")
    # Ops under this tablet's own device id are no sign of a copied tablet here: a visit
    # it made and let go of comes back with them.
    client._download_blobs(report)
    return report


def _snapshot_ops(reply: Reply, visit_id: str) -> tuple[
        list[dict[str, Any]], list[tuple[Any, str]], dict[str, str]]:
    """The snapshot's ops, each checked on its own (a bad one is set aside), and the
    public keys its signed ops are checked against (as with a pulled page)."""
    try:
        data = reply.json()
        if not isinstance(data, dict) or data.get("visit_id") != visit_id or not isinstance(
                data.get("ops"), list):
            raise ValueError("not a snapshot of this visit")
        keys = check_keys(data.get("keys", {}))
    except (ValueError, TypeError, RecursionError) as err:
        raise _not_understood(reply) from err
    good, bad = check_received(data["ops"], visit_id)
    return good, bad, keys
