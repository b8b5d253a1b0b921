"""The pydantic schema a checklist from outside must satisfy: a form in `forms/*.yaml`, or
one in another machine's op.

`validate_form` checks the shape and every per-item rule and returns the form as the app
uses it (`forms.Form`). Each model here mirrors one dataclass there, field for field
(`tests/domain/test_form_schema.py` holds them to it). The checks that need the whole
form (duplicate ids, `show_if` pointing forwards) or every form are in `form_loading`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from visitapp.domain.forms import (
    AREA_KINDS,
    CHOICE_TYPES,
    NUMERIC_TYPES,
    THEMES,
    AnswerType,
    Form,
    Item,
    carries_rating,
)


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


class OptionSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    label: str = Field(min_length=1)

    _quoted = field_validator("id", "label", mode="before")(classmethod(
        lambda cls, v: _no_yaml_bool(v)))


class ThresholdsSchema(_Strict):
    better: Literal["higher", "lower"]
    green: float
    amber: float

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsSchema:
        if self.better == "higher" and self.amber > self.green:
            raise ValueError("with better: higher, amber must not be above green")
        if self.better == "lower" and self.amber < self.green:
            raise ValueError("with better: lower, amber must not be below green")
        return self


class ShowIfSchema(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    item: str
    equals: str | int | float | None = None
    in_: tuple[str | int | float, ...] | None = Field(default=None, alias="in")
    includes: str | None = None

    _quoted = field_validator("equals", "in_", "includes", mode="before")(classmethod(
        lambda cls, v: _no_yaml_bool(v)))

    @model_validator(mode="after")
    def _one_condition(self) -> ShowIfSchema:
        given = [x for x in (self.equals, self.in_, self.includes) if x is not None]
        if len(given) != 1:
            raise ValueError("show_if needs exactly one of: equals, in, includes")
        return self


class ItemSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)
    prompt: str = Field(min_length=3)
    type: AnswerType
    guidance: str = Field(min_length=3)
    tags: tuple[str, ...] = Field(min_length=1)
    required: bool = False
    unit: str | None = None
    options: tuple[OptionSchema, ...] | None = None
    show_if: ShowIfSchema | None = None
    standard: str | None = None
    source: str | None = None
    thresholds: ThresholdsSchema | None = None
    expect: Literal["yes", "no"] | None = None
    miss: Literal["amber", "red"] | None = None
    critical: bool = False
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
    def _consistent(self) -> ItemSchema:
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
        if self.critical and not carries_rating(self.type, self.thresholds, self.expect):
            raise ValueError("critical is only for rated items (rag, thresholds or expect)")
        return self


_PLACEHOLDERS = {"area": "Ward 7", "value": "3 handovers", "n": 3, "s": "s",
                 "standard": "none"}


def _check_template(template: str) -> None:
    try:
        template.format(**_PLACEHOLDERS)
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(f"statement: unknown or broken placeholder {err}; use {{area}}, "
                         "{value}, {n}, {s} or {standard}") from None


class SectionSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    items: tuple[ItemSchema, ...] = Field(min_length=1)


class FormSchema(_Strict):
    # Errors read "validation error for Form", as they did when this was the app's Form.
    model_config = ConfigDict(extra="forbid", frozen=True, title="Form")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    area_kind: str
    description: str | None = None
    sections: tuple[SectionSchema, ...] = Field(min_length=1)

    @field_validator("area_kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in AREA_KINDS:
            raise ValueError(f"unknown area kind {kind!r}; known: {', '.join(AREA_KINDS)}")
        return kind


def validate_form(data: Any) -> Form:
    """The checked form; raises pydantic's ValidationError naming each field that is wrong."""
    return Form.from_checked(FormSchema.model_validate(data).model_dump(by_alias=True))


def validate_item(data: Any) -> Item:
    """One checked item (for a form built item by item, as the tests do)."""
    return Item.from_checked(ItemSchema.model_validate(data).model_dump(by_alias=True))
