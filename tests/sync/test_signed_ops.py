"""Issue 10, signatures: the office's own ops checked by tablets against the key pinned at
enrolment, a forged "office" op set aside, and key registration refused without a proof
that the tablet holds the key. On SQLite and PostgreSQL, against the real service."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import insert

from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync.server import tables as t
from sync.server.db import write
from sync.server.office_key import office_key
from tests.sync.attack_kit import honest_visit, team_round, wire
from visitapp.domain import hlc, signing
from visitapp.errors import BadBundle
from visitapp.services.bundles import export_visit, import_visit
from visitapp.store import op_keys

HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def stored_by_the_office(f: Any, team: str, op: dict[str, Any]) -> None:
    """Put an op in the office's log as the office's own code will (issue H5 makes them):
    in the team's partition, pulled like any other."""
    row = {**op, "team": team, "pushed_by": "office", "received_at": "2026-11-27T09:00:00Z"}
    with write(f.office.engine) as conn:
        conn.execute(insert(t.ops).values(**row))


def office_op(visit_id: str, *, private: bytes, device_id: str, value: str,
              seq: int) -> dict[str, Any]:
    return signing.seal(private, {
        "op_id": "", "visit_id": visit_id, "device_id": device_id, "seq": seq,
        "hlc": hlc.pack(hlc.system_ms() + 60_000, 0), "entity": "visit",
        "entity_id": visit_id, "field": "system", "value": value, "prev_op_id": None,
        "author": "Programme office", "confirmed": False})


def quarantined(t_: Any) -> list[tuple[str, str]]:
    with t_.db.read() as conn:
        return conn.execute("SELECT op_id, reason FROM sync_quarantine").fetchall()


def test_an_office_op__is_checked_against_the_pinned_key__and_a_forged_one_set_aside(arena):
    f = arena
    north, mate = f.tablet("north"), f.tablet("north")
    vid, _, _ = honest_visit(north)
    north.sync()
    mate.sync()  # enrolled: the office's key is pinned on both
    key = office_key(f.office.engine, now="2026-11-27T09:00:00Z")
    with north.db.read() as conn:
        assert op_keys.office_key(conn) == key.public_key
    genuine = office_op(vid, private=key.private_key, device_id=key.device_id,
                        value='"Renamed by the office"', seq=1)
    impostor = signing.new_private_key()  # someone else's key, under the office's id
    forged = office_op(vid, private=impostor, device_id=key.device_id,
                       value='"Forged by a team token"', seq=2)
    stored_by_the_office(f, "north", genuine)
    stored_by_the_office(f, "north", forged)
    report = mate.sync()
    assert report.pulled >= 1 and sum(report.quarantined.values()) == 1
    [(op_id, reason)] = quarantined(mate)
    assert op_id == forged["op_id"]
    assert "programme office" in reason and "signature does not match" in reason
    assert json.loads(mate.shown(vid))["system"] == "Renamed by the office"
    # Pushed by a tablet, an op claiming the office made it is refused; the genuine one
    # handed back is only a duplicate (the office holds it: nothing is stored twice).
    another = office_op(vid, private=impostor, device_id=key.device_id,
                        value='"Pushed by a team token"', seq=3)
    results = f.push(north.token, [another, genuine],
                     device=north.db.device_id).json()["results"]
    assert [(r["status"], r.get("code")) for r in results] == [
        ("rejected", "forged"), ("duplicate", None)]
    team_round(f, [north, mate])


def test_an_office_op_in_a_bundle__on_a_tablet_not_enrolled__is_set_aside(arena, tmp_path):
    f = arena
    north = f.tablet("north")
    vid, _, _ = honest_visit(north)
    north.sync()
    key = office_key(f.office.engine, now="2026-11-27T09:00:00Z")
    stored_by_the_office(f, "north", office_op(
        vid, private=key.private_key, device_id=key.device_id, value='"By the office"',
        seq=1))
    north.sync()
    bundle = tmp_path / "visit.zip"
    export_visit(north.services, vid, bundle)
    loose = f.tablet("north")  # never synced: no office key pinned
    summary = import_visit(loose.services, bundle)
    assert "1 change set aside" in summary
    [(_, reason)] = quarantined(loose)
    assert reason == op_keys.NOT_ENROLLED
    assert json.loads(loose.shown(vid))["system"] != "By the office"
    # Edited in the bundle (its checksum recomputed), the office's op is refused whole.
    import hashlib
    import zipfile

    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        ops = [json.loads(line) for line in zf.read("ops.jsonl").decode().splitlines()]
    target = next(op for op in ops if op["device_id"] == key.device_id)
    target["value"] = '"Edited in the bundle"'
    target["op_id"] = signing.op_id_for(target)
    data = "".join(json.dumps(op) + "\n" for op in ops).encode()
    manifest["files"] = {"ops.jsonl": {"sha256": hashlib.sha256(data).hexdigest(),
                                       "size": len(data)}}
    manifest["counts"]["blobs"] = 0
    with zipfile.ZipFile(forged, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("ops.jsonl", data)
    mate = f.tablet("north")
    mate.sync()  # enrolled: it pins the office key and can check the office's ops
    with pytest.raises(BadBundle, match="programme office"):
        import_visit(mate.services, forged)
    f.assert_no_server_error()


def test_key_registration__without_a_valid_proof__is_refused(arena):
    f = arena
    north, south = f.tablet("north"), f.tablet("south")
    south.sync()
    with f.http(north.token) as http:
        info = http.get("/v1/enrolment", headers=HEADERS).json()
        statement = info["statement"]
        assert statement == signing.registration_statement(info["office_device"],
                                                           info["office_public_key"])
        mine = signing.new_private_key()
        theirs = signing.new_private_key()

        def register(public_key: str, proof: str) -> Any:
            return http.post("/v1/keys", headers=HEADERS, json={
                "public_key": public_key, "proof": proof, "legacy_device_ids": []})

        # A key seen elsewhere (south's, say), with a proof its holder did not make.
        with south.db.read() as conn:
            south_key = signing.public_key_of(op_keys.own_identity(conn)[1])
        attempts = {
            "someone else's key": register(south_key, signing.prove(mine, statement)),
            "a proof for another record": register(signing.public_key_of(mine), signing.prove(
                mine, signing.registration_statement("another-record",
                                                     info["office_public_key"]))),
            "a proof for another office": register(signing.public_key_of(mine), signing.prove(
                mine, signing.registration_statement(info["office_device"],
                                                     signing.public_key_of(theirs)))),
            "no proof": register(signing.public_key_of(mine), "A" * 86),
        }
        for what, response in attempts.items():
            assert response.status_code == 422, what
            assert "proof" in response.json()["detail"], what
        good = register(signing.public_key_of(mine), signing.prove(mine, statement))
        assert good.status_code == 200
        assert good.json()["device_id"] == signing.device_id_for(signing.public_key_of(mine))
    # An op signed with a key only pretended to be held never counts: south's key is
    # still south's alone, and an op claiming south's tablet from north is refused.
    op = signing.seal(mine, {**wire(str(uuid.uuid4())), "device_id": south.db.device_id})
    [result] = f.push(north.token, [op], device=north.db.device_id).json()["results"]
    assert result["code"] == "foreign_origin"
    assert f.office.count("SELECT COUNT(*) FROM device_keys") == 2  # south's, and the good one
    f.assert_no_server_error()


def test_a_bundle_of_a_tablet_that_took_a_new_identity__carries_both_keys(arena, tmp_path):
    from visitapp.store.outbox import TabletOutbox

    f = arena
    north, mate = f.tablet("north"), f.tablet("north")
    vid, area, items = honest_visit(north)
    north.sync()
    old = north.db.device_id
    new, _ = TabletOutbox(north.db).renew_identity("restored (test)")
    north.services.visits.answer(vid, area, items[0], "yes", author="Tester")
    bundle = tmp_path / "visit.zip"
    export_visit(north.services, vid, bundle)
    summary = import_visit(mate.services, bundle)  # never synced: the keys came with it
    assert "set aside" not in summary
    with mate.db.read() as conn:
        devices = {r[0] for r in conn.execute(
            "SELECT DISTINCT device_id FROM ops WHERE visit_id = ?", (vid,))}
        assert devices == {old, new}
        assert conn.execute("SELECT COUNT(*) FROM sync_quarantine").fetchone()[0] == 0
    assert mate.shown(vid) == north.shown(vid)
    team_round(f, [north, mate])
