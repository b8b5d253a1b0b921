"""Issue 10, property: whatever malformed ops a team token pushes, the office never
answers 5xx and two honest tablets of that team still sync and converge."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sync.attack_kit import created, honest_visit, team_round, wire

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats()
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=10)
nasty_text = st.sampled_from([
    "", "a/b/c", "noslash", "\x00", "ed-abcd/ed.item\x00", "x" * 300, "NaN", "[" * 2000,
    '"\\u0000"', "1", "{}", "ed-abcd/ed.item1"]) | st.text(max_size=30)
FIELDS = ["op_id", "visit_id", "device_id", "seq", "hlc", "entity", "entity_id", "field",
          "value", "prev_op_id", "author", "confirmed"]


@st.composite
def malformed_op(draw, visits: list[str], devices: list[str]) -> dict:
    vid = draw(st.sampled_from(visits))
    op = wire(vid, device=draw(st.sampled_from(devices)),
              seq=draw(st.integers(0, 40)),
              entity=draw(st.sampled_from(["answer", "visit", "form", "area", "finding",
                                           "resolution", "made_up"])),
              entity_id=draw(st.sampled_from([f"{vid}", "ed-abcd/ed.item1", "a" * 64])),
              fld=draw(st.sampled_from(["value", "system", "content", "position",
                                        "created_at", "note"])))
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(FIELDS + ["extra"]))
        choice = draw(st.integers(0, 2))
        if choice == 0:
            op.pop(name, None)
        elif choice == 1:
            op[name] = draw(json_values)
        else:
            op[name] = draw(nasty_text)
    if draw(st.booleans()):
        op["op_id"] = draw(st.sampled_from([str(uuid.uuid4()), "reused-op-id"]))
    return op


def test_random_malformed_ops__never_5xx__honest_tablets_converge(arena):
    f = arena
    a, b = f.tablet("north"), f.tablet("north")
    vid, area, items = honest_visit(a)
    a.sync()
    token = f.attacker("north")
    visits = [vid, str(uuid.uuid4())]
    devices = [a.db.device_id, b.db.device_id, "dev-x", "made-up"]
    turn = {"n": 0}

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(malformed_op(visits, devices), min_size=1, max_size=8),
           st.sampled_from([None, "dev-x", "made-up"]))
    def attack(ops: list[dict], presented: str | None) -> None:
        if presented == "dev-x":
            ops = [created(visits[1], device="dev-x", seq=1000 + turn["n"])] + ops
        response = f.push(token, ops, device=presented)
        assert response.status_code < 500, response.text
        if response.status_code == 200:
            assert len(response.json()["results"]) == len(ops)
        turn["n"] += 1
        item = items[turn["n"] % len(items)]
        (a if turn["n"] % 2 else b).services.visits.answer(
            vid, area, item, ["yes", "no", "partial"][turn["n"] % 3], author="Honest")
        team_round(f, [a, b])

    attack()
    assert json.loads(a.shown(vid)) == json.loads(b.shown(vid))
    f.assert_no_server_error()
