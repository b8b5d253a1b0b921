"""Checklist definitions: the pydantic schema a form in `forms/*.yaml` must satisfy.

A form is data a programme office edits; this module says what shape it must have and
what an item means (visibility, suggested RAG). Loading YAML with line numbers lives in
`form_loading`; parsing answer values lives in `values`.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_UNQUOTED_BOOL = (
    "YAML reads an unquoted yes, no, on, off, true or false as a true/false value: "
    "put it in quotes, e.g. \"yes\""
)


def _no_yaml_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(_UNQUOTED_BOOL)
    if isinstance(value, list | tuple):
        for v in value:
            _no_yaml_bool(v)
    return value


class Option(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    label: str = Field(min_length=1)

    _quoted = field_validator("id", "label", mode="before")(classmethod(
        lambda cls, v: _no_yaml_bool(v)))


class Thresholds(_Strict):
    """Bounds that turn a number into a suggested RAG rating.

    `better: higher`: green when value >= green, amber when >= amber, else red.
    `better: lower`:  green when value <= green, amber when <= amber, else red.
    """

    better: Literal["higher", "lower"]
    green: float
    amber: float

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.better == "higher" and self.amber > self.green:
            raise ValueError("with better: higher, amber must not be above green")
        if self.better == "lower" and self.amber < self.green:
            raise ValueError("with better: lower, amber must not be below green")
        return self

    def rate(self, value: float) -> str:
        if self.better == "higher":
            if value >= self.green:
                return "green"
            return "amber" if value >= self.amber else "red"
        if value <= self.green:
            return "green"
        return "amber" if value <= self.amber else "red"


class ShowIf(_Strict):
    """Show an item only when an earlier item's answer matches.

    Exactly one of `equals` (the canonical answer), `in` (any of these) or `includes`
    (a multiple-choice answer containing this option) is given.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    item: str
    equals: str | int | float | None = None
    in_: tuple[str | int | float, ...] | None = Field(default=None, alias="in")
    includes: str | None = None

    _quoted = field_validator("equals", "in_", "includes", mode="before")(classmethod(
        lambda cls, v: _no_yaml_bool(v)))

    @model_validator(mode="after")
    def _one_condition(self) -> ShowIf:
        given = [x for x in (self.equals, self.in_, self.includes) if x is not None]
        if len(given) != 1:
            raise ValueError("show_if needs exactly one of: equals, in, includes")
        return self

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


class Item(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)
    prompt: str = Field(min_length=3)
    type: AnswerType
    guidance: str = Field(min_length=3)
    tags: tuple[str, ...] = Field(min_length=1)
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
    statement: str | None = Field(default=None, min_length=10)

    _quoted_expect = field_validator("expect", mode="before")(classmethod(
        lambda cls, v: _no_yaml_bool(v)))

    @field_validator("tags")
    @classmethod
    def _known_tags(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [t for t in tags if t not in THEMES]
        if unknown:
            raise ValueError(f"unknown tag(s) {', '.join(unknown)}; known: {', '.join(THEMES)}")
        return tags

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if self.thresholds is not None and self.type not in NUMERIC_TYPES:
            raise ValueError(
                f"thresholds are only for count, duration or percent items, not {self.type.value}"
            )
        if self.type in CHOICE_TYPES:
            if not self.options:
                raise ValueError(f"a {self.type.value} item needs options")
            ids = [o.id for o in self.options]
            if len(ids) != len(set(ids)):
                raise ValueError("option ids must be unique")
        elif self.options:
            raise ValueError(f"options are only for choice items, not {self.type.value}")
        if self.thresholds is not None and not self.source:
            raise ValueError("an item with thresholds needs the source of its standard")
        if self.expect is not None:
            if self.type not in (AnswerType.YES_NO, AnswerType.YES_NO_PARTIAL):
                raise ValueError(
                    f"expect is only for yes_no or yes_no_partial items, not {self.type.value}")
            if not self.standard:
                raise ValueError("an item with expect needs the standard it expects")
        if self.miss is not None and self.expect is None:
            raise ValueError("miss (the rating a missed standard earns) needs expect")
        if self.statement is not None:
            _check_template(self.statement)
        if self.critical and not self.rated:
            raise ValueError("critical is only for rated items (rag, thresholds or expect)")
        return self

    @property
    def rated(self) -> bool:
        """True when an answer to this item carries a rating."""
        return (self.type is AnswerType.RAG or self.thresholds is not None
                or self.expect is not None)

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


_PLACEHOLDERS = {"area": "Ward 7", "value": "3 handovers", "n": 3, "s": "s",
                 "standard": "none"}


def _check_template(template: str) -> None:
    try:
        template.format(**_PLACEHOLDERS)
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(f"statement: unknown or broken placeholder {err}; use {{area}}, "
                         "{value}, {n}, {s} or {standard}") from None


class Section(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    items: tuple[Item, ...] = Field(min_length=1)


class Form(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    area_kind: str
    description: str | None = None
    sections: tuple[Section, ...] = Field(min_length=1)

    @field_validator("area_kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in AREA_KINDS:
            raise ValueError(f"unknown area kind {kind!r}; known: {', '.join(AREA_KINDS)}")
        return kind

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

    def canonical_json(self) -> str:
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        # `critical` came later than the other fields: leave it out when false, so a form
        # stored before it existed keeps its content hash (bundles check hashes).
        for section in data["sections"]:
            for item in section["items"]:
                if item.get("critical") is False:
                    del item["critical"]
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @cached_property
    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @classmethod
    def from_canonical_json(cls, text: str) -> Form:
        return cls.model_validate(json.loads(text))
