"""Shared parts of the attack tests: an office on SQLite or PostgreSQL, honest tablets of
several teams, a raw pusher, and the checks every attack ends with (no 5xx, honest
tablets sync and converge)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from sync.protocol import DEVICE_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.conftest import open_test_services
from tests.sync.conftest import NO_WAIT, Office, small_visit
from visitapp.domain import hlc, signing
from visitapp.services.app import Services
from visitapp.services.sync import sync_engine
from visitapp.services.visit_json import visit_to_json

HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


class ServerErrors(httpx.BaseTransport):
    """Counts every 5xx the office answers, whoever asked."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.errors: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.status_code >= 500:
            self.errors.append(f"{request.method} {request.url.path}: {response.status_code}")
        return response

    def close(self) -> None:
        pass


@dataclass
class Field:
    office: Office
    tmp: Any
    watch: ServerErrors
    tablets: list[Any] = field(default_factory=list)

    def http(self, token: str) -> httpx.Client:
        return httpx.Client(transport=self.watch, base_url="http://office.test",
                            headers={"Authorization": f"Bearer {token}"})

    def tablet(self, team: str) -> Honest:
        n = len(self.tablets) + 1
        device, token = self.office.device(team, f"{team} tablet {n}")
        services = open_test_services(self.tmp / f"t{n}" / "tablet.db")
        t = Honest(services, token, device, self.http(token), team)
        self.tablets.append(t)
        return t

    def push(self, token: str, ops: list[dict[str, Any]], device: str | None = "dev-x",
             ) -> httpx.Response:
        """A raw push; `device` is the device id the pusher presents as its own."""
        headers = {**HEADERS, "content-type": "application/json"}
        if device is not None:
            headers[DEVICE_HEADER] = device
        with self.http(token) as http:
            return http.post("/v1/ops", content=json.dumps(
                {"protocol": PROTOCOL_VERSION, "ops": ops}), headers=headers)

    def attacker(self, team: str = "north") -> str:
        return self.office.device(team, "attacker")[1]

    def assert_no_server_error(self) -> None:
        assert self.watch.errors == []


@dataclass
class Honest:
    services: Services
    token: str
    device: str
    http: httpx.Client
    team: str

    @property
    def db(self) -> Any:
        return self.services.db

    def sync(self, **options: Any) -> Any:
        options.setdefault("retry", NO_WAIT)
        return sync_engine(self.db, self.services.blobs, self.http, **options).sync()

    def shown(self, visit_id: str) -> str:
        """`visits show --json` of a visit, as the CLI prints it."""
        state = self.services.visits.load(visit_id)
        return json.dumps(visit_to_json(state, self.services.sync.conflicts(visit_id)),
                          indent=2, ensure_ascii=False)

    def own_ops(self) -> int:
        with self.db.read() as conn:
            return conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0]


def open_arena(office: Office, tmp: Any) -> Field:
    from tests.sync.conftest import SharedTransport

    return Field(office, tmp, ServerErrors(SharedTransport(office.transport)))


def close_arena(f: Field) -> None:
    for t in f.tablets:
        t.http.close()
        t.services.close()
    f.office.transport.close()
    f.office.engine.dispose()


def team_round(f: Field, *teams: list[Honest], local_only: set[str] = frozenset()) -> None:
    """Every honest tablet syncs twice, exit-0 style (no SyncError); then every visit on
    any tablet of a team is on all of them and shows the same (`local_only`: visits kept
    on the tablet that imported them, such as another team's bundle)."""
    for _ in range(2):
        for team in teams:
            for t in team:
                report = t.sync()
                assert report.identity_renewed is None or "restored" in report.identity_renewed
    for team in teams:
        visits: set[str] = set()
        for t in team:
            with t.db.read() as conn:
                visits |= {r[0] for r in conn.execute(
                    "SELECT id FROM visits WHERE system IS NOT NULL")}
        for vid in sorted(visits - set(local_only)):
            shown = {t.shown(vid) for t in team}
            assert len(shown) == 1, f"{vid} differs between team-mates"
    f.assert_no_server_error()


def wire(visit_id: str, *, entity: str = "answer", entity_id: str = "ed-abcd/ed.item1",
         fld: str = "value", value: str = '"green"', device: str = "dev-x", seq: int = 1,
         **extra: Any) -> dict[str, Any]:
    op = {"op_id": str(uuid.uuid4()), "visit_id": visit_id, "device_id": device, "seq": seq,
          "hlc": hlc.pack(hlc.system_ms(), 0), "entity": entity, "entity_id": entity_id,
          "field": fld, "value": value, "prev_op_id": None, "author": "Tester",
          "confirmed": False}
    op.update(extra)
    return op


def created(visit_id: str, device: str = "dev-x", seq: int = 0) -> dict[str, Any]:
    """The creation op of a visit (what claims it for the pusher's team)."""
    return wire(visit_id, entity="visit", entity_id=visit_id, fld="created_at",
                value='"2026-11-27T09:00:00Z"', device=device, seq=seq)


def private_key(t: Honest) -> bytes:
    from visitapp.store import op_keys

    with t.db.read() as conn:
        return op_keys.own_identity(conn)[1]


def sealed(t: Honest, op: dict[str, Any]) -> dict[str, Any]:
    """An op signed by tablet `t`, under its own device id (its id made from its content):
    what a team token holding that tablet's database can make."""
    return signing.seal(private_key(t), {**op, "device_id": t.db.device_id})


def signed_as_is(t: Honest, op: dict[str, Any]) -> dict[str, Any]:
    """An op signed with `t`'s key exactly as given (its op id and device id kept): what
    an attacker holding that key can make of any op it saw."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(private_key(t))
    return {**op, "sig": signing._b64(key.sign(signing._signed_bytes(op, None)))}


def honest_visit(t: Honest) -> tuple[str, str, list[str]]:
    return small_visit(t.services)
