"""Checklist definitions: what a form and its items are and what an answer to them means.

A form is data a programme office edits in `forms/*.yaml`. This module holds the form as
the app uses it: plain frozen dataclasses with what an item means (visibility, suggested
RAG) and the canonical JSON whose hash names a form version. They are built only from a
form already checked: `form_schema` checks a form from outside (a YAML file, another
machine's op) with pydantic and builds these; a form read back from the tablet's own
database was checked when it was stored and is built directly (`Form.from_data`). Keeping
pydantic out of here keeps it out of every command that only reads forms: `visitapp
report` starts ~0.1 s sooner without it. Loading YAML with line numbers lives in
`form_loading`; parsing answer values lives in `values`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal


class AnswerType(StrEnum):
    RAG = "rag"
    YES_NO = "yes_no"
    YES_NO_PARTIAL = "yes_no_partial"
    COUNT = "count"
    DURATION = "duration"
    PERCENT = "percent"
    TIME_OF_DAY = "time_of_day"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    TEXT = "text"


NUMERIC_TYPES = frozenset({AnswerType.COUNT, AnswerType.DURATION, AnswerType.PERCENT})
CHOICE_TYPES = frozenset({AnswerType.SINGLE_CHOICE, AnswerType.MULTI_CHOICE})

# Themes a programme office can tag items with. A closed list so that a typo
# ("dischrage") is caught by `forms check` instead of silently splitting a theme.
THEMES = (
    "front_door",
    "flow",
    "discharge",
    "out_of_hospital",
    "mental_health",
    "weekends",
    "workforce",
    "safety",
    "paediatrics",
    "frailty",
    "leadership",
    "data",
    "patient_experience",
    "diagnostics",
    "social_care",
)

AREA_KINDS = {
    "emergency_department": "Emergency Department",
    "acute_medical_unit": "Acute medical unit and SDEC",
    "surgical_assessment_unit": "Surgical assessment unit",
    "inpatient_ward": "Inpatient ward",
    "support_services": "Support services",
    "site_management": "Site and bed management",
    "discharge_hub": "Discharge team / transfer of care hub",
    "out_of_hospital": "Out-of-hospital care",
    "discussion": "Challenges and barriers discussion",
}

RAG_ORDER = ("green", "amber", "red")  # worst last


def carries_rating(answer_type: AnswerType, thresholds: object, expect: object) -> bool:
    """Whether an answer to an item of this type, thresholds and expected answer is rated
    (`Item.rated`; the schema's check that only rated items are critical asks the same)."""
    return answer_type is AnswerType.RAG or thresholds is not None or expect is not None


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class Thresholds:
    """Bounds that turn a number into a suggested RAG rating.

    `better: higher`: green when value >= green, amber when >= amber, else red.
    `better: lower`:  green when value <= green, amber when <= amber, else red.
    """

    better: Literal["higher", "lower"]
    green: float
    amber: float

    def __post_init__(self) -> None:
        # Bounds are floats however they were written (`green: 95` in YAML or in code), as
        # the checked form has them: the canonical JSON, and so the form's hash, say 95.0.
        object.__setattr__(self, "green", float(self.green))
        object.__setattr__(self, "amber", float(self.amber))

    def rate(self, value: float) -> str:
        if self.better == "higher":
            if value >= self.green:
                return "green"
            return "amber" if value >= self.amber else "red"
        if value <= self.green:
            return "green"
        return "amber" if value <= self.amber else "red"


@dataclass(frozen=True)
class ShowIf:
    """Show an item only when an earlier item's answer matches.

    Exactly one of `equals` (the canonical answer), `in` (any of these) or `includes`
    (a multiple-choice answer containing this option) is given.
    """

    item: str
    equals: str | int | float | None = None
    in_: tuple[str | int | float, ...] | None = None  # `in` in YAML and JSON
    includes: str | None = None

    def matches(self, answer: Any) -> bool:
        if answer is None:
            return False
        if self.equals is not None:
            return _same(answer, self.equals)
        if self.in_ is not None:
            return any(_same(answer, v) for v in self.in_)
        return isinstance(answer, list) and self.includes in answer

    def expected_values(self) -> list[Any]:
        if self.equals is not None:
            return [self.equals]
        if self.in_ is not None:
            return list(self.in_)
        return [self.includes]


def _same(answer: Any, expected: Any) -> bool:
    if isinstance(answer, int | float) and isinstance(expected, int | float):
        return float(answer) == float(expected)
    return str(answer) == str(expected)


@dataclass(frozen=True)
class Item:
    id: str
    prompt: str
    type: AnswerType
    guidance: str
    tags: tuple[str, ...]
    required: bool = False
    unit: str | None = None
    options: tuple[Option, ...] | None = None
    show_if: ShowIf | None = None
    standard: str | None = None
    source: str | None = None
    thresholds: Thresholds | None = None
    # A yes/no item with a national standard names the answer the standard expects and
    # the rating a miss earns (a "partial" answer earns amber), so a gap is rated too.
    expect: Literal["yes", "no"] | None = None
    miss: Literal["amber", "red"] | None = None
    # A safety-critical item: Red here makes its area Red whatever else is green.
    critical: bool = False
    # How a finding or key message says this answer, where the default would read wrongly:
    # "{n} ambulance handover{s} took over 30 minutes today; the standard is none."
    statement: str | None = None

    @property
    def rated(self) -> bool:
        """True when an answer to this item carries a rating."""
        return carries_rating(self.type, self.thresholds, self.expect)

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options or ())

    def suggested_rag(self, value: Any) -> str | None:
        """The RAG rating an answer suggests: a RAG answer itself, or numeric thresholds."""
        if value is None:
            return None
        if self.type is AnswerType.RAG:
            return str(value)
        if self.thresholds is not None and isinstance(value, int | float):
            return self.thresholds.rate(float(value))
        if self.expect is not None and isinstance(value, str):
            if value == self.expect:
                return "green"
            return "amber" if value == "partial" else (self.miss or "red")
        return None

    @classmethod
    def from_checked(cls, data: Mapping[str, Any]) -> Item:
        """An item from the JSON shape of a checked form (see `Form.from_checked`)."""
        if not data.keys() <= _ITEM_FIELDS:
            raise ValueError(f"unknown item fields {sorted(data.keys() - _ITEM_FIELDS)}")
        options, cond, bounds = data.get("options"), data.get("show_if"), data.get("thresholds")
        return cls(
            id=data["id"], prompt=data["prompt"], type=AnswerType(data["type"]),
            guidance=data["guidance"], tags=tuple(data["tags"]),
            required=data.get("required", False), unit=data.get("unit"),
            options=None if options is None else tuple(
                Option(id=o["id"], label=o["label"]) for o in options),
            show_if=None if cond is None else _show_if(cond),
            standard=data.get("standard"), source=data.get("source"),
            thresholds=None if bounds is None else Thresholds(
                better=bounds["better"], green=bounds["green"], amber=bounds["amber"]),
            expect=data.get("expect"), miss=data.get("miss"),
            critical=data.get("critical", False), statement=data.get("statement"),
        )

    def to_data(self) -> dict[str, Any]:
        """The canonical JSON shape: fields that are not set are left out, as is `critical`
        when false (it came later than the other fields: a form stored before it existed
        keeps its content hash, and bundles check hashes)."""
        data: dict[str, Any] = {"id": self.id, "prompt": self.prompt, "type": self.type.value,
                                "guidance": self.guidance, "tags": list(self.tags),
                                "required": self.required}
        if self.options is not None:
            data["options"] = [{"id": o.id, "label": o.label} for o in self.options]
        if self.show_if is not None:
            data["show_if"] = _show_if_data(self.show_if)
        if self.thresholds is not None:
            t = self.thresholds
            data["thresholds"] = {"better": t.better, "green": t.green, "amber": t.amber}
        if self.critical:
            data["critical"] = True
        for name in ("unit", "standard", "source", "expect", "miss", "statement"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


def _show_if(data: Mapping[str, Any]) -> ShowIf:
    any_of = data.get("in", data.get("in_"))
    return ShowIf(item=data["item"], equals=data.get("equals"),
                  in_=None if any_of is None else tuple(any_of), includes=data.get("includes"))


def _show_if_data(cond: ShowIf) -> dict[str, Any]:
    data: dict[str, Any] = {"item": cond.item}
    if cond.equals is not None:
        data["equals"] = cond.equals
    if cond.in_ is not None:
        data["in"] = list(cond.in_)
    if cond.includes is not None:
        data["includes"] = cond.includes
    return data


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Form:
    id: str
    version: int
    title: str
    area_kind: str
    sections: tuple[Section, ...]
    description: str | None = None

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    @property
    def rated_items(self) -> list[Item]:
        return [item for item in self.items if item.rated]

    def item(self, item_id: str) -> Item | None:
        return self._item_index.get(item_id)

    @cached_property
    def _item_index(self) -> dict[str, Item]:
        return {i.id: i for i in self.items}

    def visible_items(self, answers: dict[str, Any]) -> list[Item]:
        """Items to show given the answers so far (item id -> canonical value).

        An item whose condition names a hidden item is hidden too, so hiding cascades.
        """
        visible: list[Item] = []
        shown: set[str] = set()
        for item in self.items:
            cond = item.show_if
            if cond is None or (cond.item in shown and cond.matches(answers.get(cond.item))):
                visible.append(item)
                shown.add(item.id)
        return visible

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "version": self.version, "title": self.title,
            "area_kind": self.area_kind,
            "sections": [{"id": s.id, "title": s.title, "items": [i.to_data() for i in s.items]}
                         for s in self.sections],
        }
        if self.description is not None:
            data["description"] = self.description
        return data

    def canonical_json(self) -> str:
        return json.dumps(self.to_data(), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False)

    @cached_property
    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @classmethod
    def from_checked(cls, data: Mapping[str, Any]) -> Form:
        """A form from the JSON shape of a form already checked (`form_schema` checks the
        rest); data of the wrong shape raises KeyError, TypeError or ValueError."""
        if not data.keys() <= _FORM_FIELDS:  # a newer app's form: refused, as pydantic does
            raise ValueError(f"unknown form fields {sorted(data.keys() - _FORM_FIELDS)}")
        return cls(
            id=data["id"], version=data["version"], title=data["title"],
            area_kind=data["area_kind"], description=data.get("description"),
            sections=tuple(
                Section(id=s["id"], title=s["title"],
                        items=tuple(Item.from_checked(i) for i in s["items"]))
                for s in data["sections"]),
        )

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Form:
        """A stored form: one this tablet or the office checked before storing it
        (`form_versions`). Content this cannot read goes through the full check, so that
        it fails naming the field that is wrong rather than with a KeyError."""
        try:
            return cls.from_checked(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            from visitapp.domain.form_schema import validate_form

            return validate_form(data)

    @classmethod
    def from_canonical_json(cls, text: str) -> Form:
        return cls.from_data(json.loads(text))


_ITEM_FIELDS = frozenset(f.name for f in fields(Item))
_FORM_FIELDS = frozenset(f.name for f in fields(Form))
