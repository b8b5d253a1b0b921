"""Issue 10, one team against another: visit squatting, op-id pre-emption through a real
bundle, a foreign visit handed over by bundle, forged origins and a forged bundle. Each is
refused with its reason or harmless, on SQLite and PostgreSQL; every honest tablet syncs
and converges."""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile

import pytest

from tests.sync.attack_kit import created, honest_visit, sealed, signed_as_is, team_round, wire
from visitapp.domain import signing
from visitapp.errors import BadBundle
from visitapp.services.bundles import export_visit, import_visit


def test_visit_squatting__an_op_naming_a_south_visit_first__does_not_lock_south_out(arena):
    f = arena
    south, south_mate = f.tablet("south"), f.tablet("south")
    vid, _, _ = honest_visit(south)  # not synced yet: the office has never heard of it
    north = f.attacker("north")
    squat = wire(vid, entity_id="ed-abcd/ed.item1", value='"red"', device="north-tab")
    [result] = f.push(north, [squat], device="north-tab").json()["results"]
    assert result["status"] == "rejected" and result["code"] == "visit_unknown"
    report = south.sync()
    assert report.complete and report.pushed == south.own_ops()
    team_round(f, [south, south_mate])
    assert f.office.count("SELECT COUNT(*) FROM visits WHERE team = 'south'") == 1
    # Now that it is south's, north is refused in words.
    [result] = f.push(north, [squat], device="north-tab").json()["results"]
    assert result["code"] == "foreign_visit" and "another team" in result["reason"]


def test_op_id_pre_emption_through_a_real_bundle__the_south_op_still_reaches_its_team(
        arena, tmp_path):
    f = arena
    south, south_mate, north = f.tablet("south"), f.tablet("south"), f.tablet("north")
    vid_s, area, items = honest_visit(south)
    south.sync()
    south.services.visits.answer(vid_s, area, items[0], "no", author="South")
    bundle = tmp_path / "handover.zip"
    export_visit(south.services, vid_s, bundle)  # handed to north: it now sees op ids
    with zipfile.ZipFile(bundle) as zf:
        seen = [json.loads(line) for line in zf.read("ops.jsonl").decode().splitlines()]
    target = next(op for op in seen if op["entity"] == "answer" and op["value"] == '"no"')
    vid_n, _, _ = honest_visit(north)
    north.sync()
    # North signs, with its own registered key, other content under south's op id.
    forged = signed_as_is(north, wire(vid_n, entity_id="ed-abcd/ed.item1",
                                      device=north.db.device_id, seq=10_000,
                                      op_id=target["op_id"]))
    [result] = f.push(north.token, [forged], device=north.db.device_id).json()["results"]
    # An op id is its content's: reusing one for other content is not genuine.
    assert (result["status"], result["code"]) == ("rejected", "forged")
    assert "does not match its content" in result["reason"]
    # Re-signed honestly (its own id), the same answer in north's visit is harmless.
    honest = sealed(north, {**forged, "seq": 10_001})
    assert honest["op_id"] != target["op_id"]
    [result] = f.push(north.token, [honest], device=north.db.device_id).json()["results"]
    assert result["status"] == "applied"
    report = south.sync()
    assert report.pushed >= 1 and report.complete
    team_round(f, [south, south_mate], [north])
    shown = json.loads(south_mate.shown(vid_s))
    assert {(a["item_id"], a["value"]) for a in shown["answers"]} >= {(items[0], "no")}


def test_a_south_visit_imported_on_a_north_tablet__is_kept_there__refused_once_in_words(
        arena, tmp_path):
    f = arena
    south, north, north_mate = f.tablet("south"), f.tablet("north"), f.tablet("north")
    vid_s, _, _ = honest_visit(south)
    south.sync()
    bundle = tmp_path / "south.zip"
    export_visit(south.services, vid_s, bundle)
    import_visit(north.services, bundle)
    first = north.sync()
    assert first.rejected and "another team" in first.rejected[0][1]
    assert "refused" in first.set_aside_line()
    with north.db.read() as conn:  # kept on the tablet, with its reason
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = ?",
                            (vid_s,)).fetchone()[0] > 0
    second = north.sync()
    assert second.pushed == 0 and second.rejected == []  # not pushed again and again
    assert f.office.count("SELECT COUNT(*) FROM visits WHERE team = 'north'") == 0
    team_round(f, [south], [north, north_mate], local_only={vid_s})
    with north_mate.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = ?",
                            (vid_s,)).fetchone()[0] == 0


def test_forged_origins__a_team_mates_id_another_teams_or_a_made_up_one__are_refused(arena):
    f = arena
    south, north, north_mate = f.tablet("south"), f.tablet("north"), f.tablet("north")
    honest_visit(south)
    south.sync()
    north_mate.sync()  # registers its key: the office knows north_mate's device id
    vid_n, _, _ = honest_visit(north)
    north.sync()
    # North's token and key, claiming ops were made on other tablets.
    as_mate = signed_as_is(north, wire(vid_n, device=north_mate.db.device_id, seq=99_998))
    as_mate = {**as_mate, "op_id": signing.op_id_for(as_mate)}  # even with a fitting id
    as_south = signed_as_is(north, wire(vid_n, device=south.db.device_id, seq=99_999))
    unsigned = wire(vid_n, device=north_mate.db.device_id, seq=99_997)
    made_up = wire(vid_n, device=f"made-up-{uuid.uuid4().hex[:8]}", seq=1)
    results = f.push(north.token, [as_mate, as_south, unsigned, made_up],
                     device=north.db.device_id).json()["results"]
    assert [r["code"] for r in results] == ["forged", "foreign_origin", "forged",
                                            "origin_unknown"]
    assert "not genuine" in results[0]["reason"] and "not signed" in results[2]["reason"]
    # Presenting south's id as its own is refused for the whole request.
    response = f.push(north.token, [], device=south.db.device_id)
    assert response.status_code == 403 and "another team" in response.json()["detail"]
    team_round(f, [south], [north, north_mate])


def test_a_forged_bundle_of_a_south_visit__cannot_reach_south(arena, tmp_path):
    """An op edited in a bundle, its checksum recomputed: the bundle reads as whole, but
    what it claims to be (south's ops) is what the office checks."""
    f = arena
    south, south_mate, north = f.tablet("south"), f.tablet("south"), f.tablet("north")
    vid_s, _, _ = honest_visit(south)
    south.sync()
    bundle = tmp_path / "south.zip"
    export_visit(south.services, vid_s, bundle)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        lines = zf.read("ops.jsonl").decode().splitlines()
        blobs = {n: zf.read(n) for n in zf.namelist() if n.startswith("blobs/")}
    ops = [json.loads(line) for line in lines]
    victim = next(op for op in ops if op["entity"] == "visit" and op["field"] == "system")
    victim.update(value='"Forged system"', hlc=victim["hlc"] + 10**9)
    victim["op_id"] = signing.op_id_for(victim)  # its id recomputed like its checksum
    data = "".join(json.dumps(op) + "\n" for op in ops).encode()
    manifest["files"]["ops.jsonl"] = {"sha256": hashlib.sha256(data).hexdigest(),
                                      "size": len(data)}
    with zipfile.ZipFile(forged, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("ops.jsonl", data)
        for name, content in blobs.items():
            zf.writestr(name, content)
    # A checksum is not a signature: the import refuses the whole bundle, in words.
    with pytest.raises(BadBundle, match=r"ops.jsonl line \d+: not genuine: its signature"):
        import_visit(north.services, forged)
    with north.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM ops WHERE visit_id = ?",
                            (vid_s,)).fetchone()[0] == 0
    # Pushed straight at the office instead, the forged op is refused there too.
    [result] = f.push(north.token, [victim], device=north.db.device_id).json()["results"]
    assert result["code"] in ("forged", "foreign_origin")
    team_round(f, [south, south_mate], [north])
    assert json.loads(south_mate.shown(vid_s))["system"] != "Forged system"


def test_a_visit_whose_creation_op_is_in_a_later_batch__still_goes_in_one_sync(arena):
    f = arena
    north, mate = f.tablet("north"), f.tablet("north")
    vid, _, _ = honest_visit(north)
    from tests.sync.conftest import NO_WAIT
    from visitapp.services.sync import sync_engine

    report = sync_engine(north.db, north.services.blobs, north.http, retry=NO_WAIT,
                         batch_size=3).sync()
    assert report.complete and report.pushed == north.own_ops()
    team_round(f, [north, mate])


def test_the_creation_op_from_another_teams_tablet__does_not_claim_the_visit(arena):
    f = arena
    south = f.tablet("south")
    honest_visit(south)
    south.sync()
    north = f.attacker("north")
    vid = str(uuid.uuid4())
    fake = created(vid, device=south.db.device_id, seq=123_456)  # not signed
    [result] = f.push(north, [fake], device="north-tab").json()["results"]
    assert result["code"] == "forged"
    assert f.office.count("SELECT COUNT(*) FROM visits") == 1
    f.assert_no_server_error()
