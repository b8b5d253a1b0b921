"""Item and area ratings: what a yes/no standard earns, which items are critical, and the
area rule (a pattern, not the worst single rating)."""

from __future__ import annotations

import pytest

from tests.domain.test_forms import form_text, write_form
from visitapp.domain.form_loading import check_forms
from visitapp.domain.form_schema import validate_item
from visitapp.domain.forms import Item
from visitapp.domain.visit import area_rule


def _yes_no(**kw) -> Item:
    return validate_item({"id": "x.one", "prompt": "Is it there?", "type": "yes_no_partial",
                          "guidance": "Look.", "tags": ["safety"],
                          "standard": "It is there every shift", **kw})


def test_expected_answer__is_green_a_miss_earns_its_rating_and_partial_is_amber():
    item = _yes_no(expect="yes", miss="red")
    assert [item.suggested_rag(v) for v in ("yes", "partial", "no", None)] == [
        "green", "amber", "red", None]
    assert _yes_no(expect="yes").suggested_rag("no") == "red"  # red unless the form says
    assert _yes_no(expect="yes", miss="amber").suggested_rag("no") == "amber"
    assert _yes_no().suggested_rag("no") is None  # no expectation: no rating


@pytest.mark.parametrize("ratings, expected", [
    ([("green", False)] * 4 + [("amber", False), ("red", False)], "amber"),  # Ward 7
    ([("green", False)] * 5 + [("red", True)], "red"),  # one critical red
    ([("green", False)] * 4 + [("red", False)] * 2, "red"),  # a third red
    ([("green", False)] * 4 + [("amber", False)] * 2, "green"),  # two thirds green
    ([("green", False)] * 3 + [("amber", False)] * 2, "amber"),  # under two thirds
    ([("amber", False)], "amber"),
    ([], None),
])
def test_area_rule(ratings, expected):
    assert area_rule(ratings) == expected


def test_shipped_forms__mark_the_safety_critical_items_and_rate_yes_no_standards():
    forms, problems = check_forms()
    assert problems == []
    items = {i.id: i for f in forms for i in f.items}
    for item_id in ("ed.handovers_over_60", "ed.dta_over_12h", "ed.paeds_nurse",
                    "ed.paeds_safeguarding", "ed.mh_longest_wait", "ooh.s136_over_24h"):
        assert items[item_id].critical and items[item_id].rated, item_id
    assert items["ed.paeds_nurse"].suggested_rag("no") == "red"
    assert items["ed.paeds_safeguarding"].suggested_rag("yes") == "green"
    assert items["ed.mh_longest_wait"].suggested_rag(13 * 60) == "red"
    for form in forms:
        rated = form.rated_items
        assert sum(i.critical for i in rated) * 3 <= len(rated), form.id


ITEM = """\
      - id: {id}
        prompt: Is the thing in place?
        type: {type}
        guidance: Look for it on the wall.
        tags: [flow]
"""


@pytest.mark.parametrize("extra, message", [
    ('        expect: "yes"\n', "item a.one: an item with expect needs the standard it expects"),
    ("        critical: true\n", "item a.one: critical is only for rated items"),
    ("        miss: red\n", "item a.one: miss (the rating a missed standard earns) needs expect"),
    ("        expect: yes\n", "put it in quotes"),
])
def test_forms_check__refuses_a_bad_expectation_or_critical_mark(tmp_path, extra, message):
    path = write_form(tmp_path, form_text(ITEM.format(id="a.one", type="yes_no") + extra))
    _, problems = check_forms([path])
    assert len(problems) == 1 and message in str(problems[0]), problems
    assert problems[0].line is not None and problems[0].line >= 9  # the item's own lines


def test_forms_check__refuses_a_form_with_more_than_a_third_of_rated_items_critical(tmp_path):
    rated = "".join(ITEM.format(id=f"a.n{n}", type="rag") for n in range(3))
    critical = ITEM.format(id="a.c1", type="rag") + "        critical: true\n"
    critical += ITEM.format(id="a.c2", type="rag") + "        critical: true\n"
    path = write_form(tmp_path, form_text(rated + critical))
    _, problems = check_forms([path])
    assert [str(p) for p in problems] == [
        f"{path}:1: form test-form: 2 of its 5 rated items are critical (a.c1, a.c2); "
        "at most a third may be"]
    path = write_form(tmp_path, form_text(rated + ITEM.format(id="a.c1", type="rag")
                                          + "        critical: true\n"), name="ok.yaml")
    assert check_forms([path])[1] == []


def test_a_form_without_the_new_fields__keeps_its_canonical_form_and_hash():
    """Forms stored before `critical`/`expect` existed must hash the same (bundles check)."""
    forms, _ = check_forms()
    plain = next(f for f in forms if not any(i.critical or i.expect for i in f.items))
    assert '"critical"' not in plain.canonical_json() and '"expect"' not in plain.canonical_json()
    again = type(plain).from_canonical_json(plain.canonical_json())
    assert again.content_hash == plain.content_hash
