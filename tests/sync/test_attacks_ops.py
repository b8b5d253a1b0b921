"""Issue 10, the ops that used to brick a team: each is refused with a 4xx or a per-op
reason, never a 5xx, on SQLite and PostgreSQL, and honest tablets still sync and converge.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text

from sync.protocol import PROTOCOL_VERSION
from tests.sync.attack_kit import created, honest_visit, team_round, wire
from visitapp.domain import hlc


def deep(n: int) -> str:
    return "[" * n + "]" * n


BAD_OPS = {
    "form value 1": dict(entity="form", entity_id="a" * 64, fld="content", value="1"),
    "form value {}": dict(entity="form", entity_id="a" * 64, fld="content", value="{}"),
    "answer id noslash": dict(entity_id="noslash"),
    "answer id a/b/c": dict(entity_id="a/b/c"),
    "nested 1000 deep": dict(value=deep(1000)),
    "nested 100000 deep": dict(value=deep(100_000)),
    "NUL in author": dict(author="Tes\x00ter"),
    "NUL in entity_id": dict(entity_id="ed-abcd/ed.it\x00em"),
    "NUL inside the value": dict(value='"a\\u0000b"'),
    "NaN value": dict(value="NaN"),
    "seq as text": dict(seq="5"),
    "hlc as a float": dict(hlc=1.5),
    "position as text": dict(entity="area", entity_id="ed-abcd", fld="position", value='"3"'),
    "hash not hex": dict(entity="area", entity_id="ed-abcd", fld="form_hash", value='"xyz"'),
    "300 KiB op": dict(fld="note", value=json.dumps("x" * 300 * 1024)),
}


@pytest.mark.parametrize("name", sorted(BAD_OPS))
def test_a_bad_op__is_refused_on_its_own_with_a_reason__and_the_batch_goes_on(arena, name):
    f = arena
    token = f.attacker()
    vid = str(uuid.uuid4())
    good = wire(vid, seq=1, entity_id="ed-abcd/ed.good")
    bad = wire(vid, **{"seq": 2, **BAD_OPS[name]})
    response = f.push(token, [bad, created(vid), good])
    assert response.status_code == 200, response.text
    first, _, second = response.json()["results"]
    assert first["status"] == "rejected" and first["code"] == "invalid" and first["reason"]
    assert second["status"] == "applied"
    f.assert_no_server_error()


def test_a_cross_visit_op__is_refused(arena):
    f = arena
    north = f.tablet("north")
    vid_a, _, _ = honest_visit(north)
    vid_b, _, _ = honest_visit(north)
    north.sync()
    token = f.attacker("north")
    op = wire(vid_a, entity="visit", entity_id=vid_b, fld="system", value='"Hijacked"')
    [result] = f.push(token, [op]).json()["results"]
    assert result["status"] == "rejected" and "its own visit" in result["reason"]
    north.sync()
    assert json.loads(north.shown(vid_b))["system"] != "Hijacked"
    f.assert_no_server_error()


def test_two_ops_with_one_device_and_seq__the_second_is_refused__the_team_syncs(arena):
    f = arena
    r1, r2 = f.tablet("north"), f.tablet("north")
    vid, _, _ = honest_visit(r1)
    r1.sync()
    token = f.attacker("north")
    first = wire(vid, device="dev-clash", seq=7, entity_id="ed-abcd/ed.one")
    second = wire(vid, device="dev-clash", seq=7, entity_id="ed-abcd/ed.two")
    results = f.push(token, [first, second], device="dev-clash").json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["code"] == "seq_taken" and "restored" in results[1]["reason"]
    team_round(f, [r1, r2])


def test_bad_ops_already_on_the_office__are_set_aside_by_tablets__which_carry_on(arena):
    """An office of the old version accepted these; today's tablets must not jam on them."""
    f = arena
    r1, r2 = f.tablet("north"), f.tablet("north")
    vid, area, items = honest_visit(r1)
    r1.sync()
    bad = [wire(vid, entity="form", entity_id="b" * 64, fld="content", value="1", seq=1),
           wire(vid, entity_id="noslash", seq=2),
           wire(vid, device="dev-clash", seq=3, entity_id="ed-abcd/ed.one"),
           wire(vid, device="dev-clash", seq=3, entity_id="ed-abcd/ed.two"),
           wire(vid, entity="visit", entity_id=str(uuid.uuid4()), fld="system", value='"x"',
                seq=4)]
    with f.office.engine.begin() as conn:
        for op in bad:  # straight into the table, as the old office would have stored them
            conn.execute(text(
                "INSERT INTO ops (op_id, visit_id, team, device_id, pushed_by, seq, hlc, "
                "entity, entity_id, field, value, prev_op_id, author, confirmed, received_at) "
                "VALUES (:op_id, :visit_id, 'north', :device_id, 'old', :seq, :hlc, :entity, "
                ":entity_id, :field, :value, NULL, :author, false, 'then')"), op)
    r1.services.visits.answer(vid, area, items[0], "yes", author="Tester")
    for t in (r1, r2):
        report = t.sync()
        assert sum(report.quarantined.values()) >= 1
        assert "set aside" in report.set_aside_line()
    team_round(f, [r1, r2])
    r2.services.visits.answer(vid, area, items[1], "no", author="Tester")
    team_round(f, [r1, r2])  # later work still flows both ways
    for t in (r1, r2):
        assert t.services.sync.status().set_aside_line
        shown = json.loads(t.shown(vid))
        assert {a["item_id"] for a in shown["answers"]} >= {items[0], items[1]}
        assert "set aside" not in t.shown(vid) and "quarantine" not in t.shown(vid)


def test_clock__one_hour_out_syncs__three_hours_ahead_is_refused__teams_clocks_apart(arena):
    f = arena
    north, south = f.tablet("north"), f.tablet("south")
    vid, _, _ = honest_visit(north)
    north.sync()
    now = f.office.clock()
    hour = 3600 * 1000
    near = wire(vid, entity_id="ed-abcd/ed.near", hlc=hlc.pack(now + hour, 0), seq=1)
    far = wire(vid, entity_id="ed-abcd/ed.far", hlc=hlc.pack(now + 3 * hour, 0), seq=2)
    results = f.push(north.token, [near, far]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert "ahead" in results[1]["reason"] and "date and time" in results[1]["reason"]
    # North's clock moved an hour; south's did not.
    with f.http(south.token) as http:
        page = http.get("/v1/ops", headers={"X-Visitapp-Protocol": str(PROTOCOL_VERSION)}).json()
    assert hlc.wall_ms(page["server_hlc"]) < now + hour / 2
    f.assert_no_server_error()


def test_an_app_that_does_not_present_its_tablet__is_told_to_update(arena):
    f = arena
    token = f.attacker()
    vid = str(uuid.uuid4())
    response = f.push(token, [created(vid)], device=None)
    assert response.status_code == 426 and "update the app" in response.json()["detail"]
    old_protocol = f.push(token, [], device="dev-x")
    assert old_protocol.status_code == 200
    f.assert_no_server_error()
