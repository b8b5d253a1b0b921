"""The form as the app holds it (`forms`, plain dataclasses) and the pydantic schema that
checks a form from outside (`form_schema`) say the same thing: the same fields, the same
canonical JSON and so the same content hash, which names a form version everywhere
(bundles, ops, the office) and must not move when the code does."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from visitapp.domain import form_schema, forms
from visitapp.domain.form_loading import form_files

PAIRS = [(forms.Option, form_schema.OptionSchema), (forms.Thresholds, form_schema.ThresholdsSchema),
         (forms.ShowIf, form_schema.ShowIfSchema), (forms.Item, form_schema.ItemSchema),
         (forms.Section, form_schema.SectionSchema), (forms.Form, form_schema.FormSchema)]

# One item of each optional shape the shipped forms may not all use.
EVERY_FIELD: dict[str, Any] = {
    "id": "every-field", "version": 3, "title": "Every field", "area_kind": "inpatient_ward",
    "description": "A form using every optional field",
    "sections": [{"id": "one", "title": "One", "items": [
        {"id": "w.count", "prompt": "How many?", "type": "count", "guidance": "Count them.",
         "tags": ["flow", "safety"], "required": True, "unit": "patients",
         "standard": "None waiting", "source": "A national standard",
         "thresholds": {"better": "lower", "green": 0, "amber": 2}, "critical": True,
         "statement": "{n} patient{s} waited in {area}; the standard is {standard}."},
        {"id": "w.kind", "prompt": "Which streams?", "type": "multi_choice",
         "guidance": "Ask the lead.", "tags": ["front_door"],
         "options": [{"id": "gp", "label": "GP"}, {"id": "frailty", "label": "Frailty"}]},
        {"id": "w.gp", "prompt": "GP stream hours?", "type": "text", "guidance": "Ask.",
         "tags": ["front_door"], "show_if": {"item": "w.kind", "includes": "gp"}},
        {"id": "w.many", "prompt": "More than two?", "type": "yes_no", "guidance": "Ask.",
         "tags": ["flow"], "show_if": {"item": "w.count", "in": [3, 4.5, "lots"]},
         "standard": "Yes on every shift", "expect": "yes", "miss": "amber"},
        {"id": "w.none", "prompt": "Was it none?", "type": "rag", "guidance": "Look.",
         "tags": ["flow"], "show_if": {"item": "w.count", "equals": 0}},
    ]}],
}


def _schema_fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


@pytest.mark.parametrize("plain, schema", PAIRS, ids=[p.__name__ for p, _ in PAIRS])
def test_each_dataclass__has_exactly_its_schema_models_fields(plain, schema):
    assert {f.name for f in dataclasses.fields(plain)} == _schema_fields(schema)


def _schema_canonical_json(data: Any) -> str:
    """The canonical JSON as it was defined when the schema models were the app's forms:
    pydantic's JSON dump by alias without unset fields, and `critical` only when true."""
    dumped = form_schema.FormSchema.model_validate(data).model_dump(
        mode="json", by_alias=True, exclude_none=True)
    for section in dumped["sections"]:
        for item in section["items"]:
            if item.get("critical") is False:
                del item["critical"]
    return json.dumps(dumped, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _every_form() -> list[tuple[str, Any]]:
    shipped = [(p.name, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in form_files()]
    return [*shipped, ("every field", EVERY_FIELD)]


@pytest.mark.parametrize("name, data", _every_form(), ids=[n for n, _ in _every_form()])
def test_canonical_json_and_hash__are_the_schemas_and_survive_storage(name, data):
    form = form_schema.validate_form(data)
    assert form.canonical_json() == _schema_canonical_json(data)
    stored = forms.Form.from_canonical_json(form.canonical_json())
    assert stored == form and stored.content_hash == form.content_hash
    for item in form.items:  # the same answers mean the same thing after storage
        assert stored.item(item.id) == item


def test_every_field_form__keeps_each_value_and_its_type():
    form = form_schema.validate_form(EVERY_FIELD)
    count, kinds, gp, many, none = form.items
    # 0 in YAML or in code (indicators), 0.0 as checked and in the hash's JSON
    in_code = forms.Thresholds(better="lower", green=0, amber=2)
    assert repr(in_code) == repr(count.thresholds) == (
        "Thresholds(better='lower', green=0.0, amber=2.0)")
    assert count.critical and count.required and count.unit == "patients"
    assert kinds.option_ids == ("gp", "frailty")
    assert gp.show_if == forms.ShowIf(item="w.kind", includes="gp")
    assert many.show_if.in_ == (3, 4.5, "lots") and many.miss == "amber"
    assert none.show_if.equals == 0 and not isinstance(none.show_if.equals, bool)
    assert '"in":[3,4.5,"lots"]' in form.canonical_json()
    assert form.visible_items({"w.count": 4.5, "w.kind": ["frailty"]}) == [count, kinds, many]


def test_stored_content_of_the_wrong_shape__fails_naming_the_field():
    broken = json.loads(form_schema.validate_form(EVERY_FIELD).canonical_json())
    del broken["sections"][0]["items"][1]["prompt"]
    with pytest.raises(ValidationError) as caught:
        forms.Form.from_data(broken)
    assert "sections.0.items.1.prompt" in str(caught.value)


def test_a_form_from_outside__is_checked_where_stored_content_is_trusted():
    """An unknown tag is refused from outside; `from_checked` does not look (it was checked)."""
    bad = json.loads(json.dumps(EVERY_FIELD))
    bad["sections"][0]["items"][0]["tags"] = ["dischrage"]
    with pytest.raises(ValidationError, match="unknown tag"):
        form_schema.validate_form(bad)
    assert forms.Form.from_checked(bad).items[0].tags == ("dischrage",)


@pytest.mark.parametrize("where", ["form", "item"])
def test_stored_content_with_a_field_this_app_does_not_know__is_refused(where):
    """A newer app's form (an office can hold one): refused, not read without its field."""
    newer = json.loads(form_schema.validate_form(EVERY_FIELD).canonical_json())
    (newer if where == "form" else newer["sections"][0]["items"][0])["weight"] = 2
    with pytest.raises(ValidationError, match="weight"):
        forms.Form.from_data(newer)
