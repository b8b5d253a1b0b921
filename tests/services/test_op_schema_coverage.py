"""Every op the app writes passes the one op schema, with a typed check for its field:
an entity or field added without one would only get the generic checks, and a bad value
of it would reach team-mates' tablets unchecked."""

from __future__ import annotations

import json

from visitapp.domain.op_schema import ENTITIES, op_problem
from visitapp.services.app import Services
from visitapp.services.key_messages import set_key_messages
from visitapp.store import oplog


def test_every_op_of_a_worked_visit__passes_the_schema_with_a_typed_check(
        services: Services, demo_visit_id: str) -> None:
    visits = services.visits
    vid = demo_visit_id
    area = visits.load(vid).areas[0]
    visits.rate_item(vid, area.key, "ed.handovers_over_30", "amber", author="Test Lead")
    visits.rate_item(vid, area.key, "ed.handovers_over_30", None, author="Test Lead")
    visits.rate_area(vid, area.key, "green", author="Test Lead")
    visits.set_area_done(vid, area.key, True, author="Test Lead")
    set_key_messages(visits, vid, [("Handovers over an hour most afternoons.", "red")],
                     author="Test Lead")
    with services.db.read() as conn:
        ops = oplog.ops_for_visit(conn, vid)
    kinds = {(op.entity, op.field) for op in ops}
    assert {("rating", "rag"), ("area_rating", "rag"), ("area", "done"),
            ("key_messages", "messages")} <= kinds
    untyped = sorted((entity, field) for entity, field in kinds
                     if entity not in ENTITIES or field not in ENTITIES[entity].fields)
    assert untyped == []
    problems = {(op.entity, op.field): op_problem(op.as_dict()) for op in ops}
    assert {k: p for k, p in problems.items() if p} == {}


def test_a_team_rating_that_is_not_a_rag_word__is_refused_by_the_schema(
        services: Services, demo_visit_id: str) -> None:
    with services.db.read() as conn:
        op = next(o for o in oplog.ops_for_visit(conn, demo_visit_id) if o.entity == "answer")
    rating = {**op.as_dict(), "entity": "rating", "field": "rag", "value": json.dumps("purple")}
    assert op_problem(rating) == "rating rag is not red, amber or green"
    assert op_problem({**rating, "value": json.dumps(None)}) is None  # back to the suggestion
    assert op_problem({**rating, "entity_id": "no-slash"}).startswith("rating: answer id")
    messages = {**rating, "entity": "key_messages", "entity_id": op.visit_id,
                "field": "messages", "value": json.dumps([{"text": "x", "rag": "blue"}])}
    assert op_problem(messages) == \
        "key_messages messages holds a rating that is not red, amber or green"
    assert op_problem({**messages, "entity_id": "another-visit"}).startswith(
        "key_messages: names visit another-visit")
