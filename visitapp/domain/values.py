"""Answer values: parse what a person typed or tapped into one canonical form per type.

Canonical forms (what is stored, synced and exported):
    rag             "red" | "amber" | "green"
    yes_no          "yes" | "no"
    yes_no_partial  "yes" | "no" | "partial"
    count           int >= 0
    duration        int, whole minutes
    percent         int or float in 0..100 (int when whole)
    time_of_day     "HH:MM", 24-hour
    single_choice   an option id
    multi_choice    a sorted list of distinct option ids (at least one)
    text            a non-empty string

`parse_value` raises ValueError with a message saying what form was expected; the service
adds the item's name.
"""

from __future__ import annotations

import math
import re
from typing import Any

from visitapp.domain.forms import AnswerType, Item

MAX_TEXT = 5000

_RAG = {"r": "red", "red": "red", "a": "amber", "amber": "amber", "g": "green", "green": "green"}
_YES_NO = {"y": "yes", "yes": "yes", "n": "no", "no": "no"}
_YES_NO_PARTIAL = {**_YES_NO, "p": "partial", "partial": "partial", "partly": "partial"}
_DURATION_HM = re.compile(r"^(?:(\d+)\s*h(?:ours?|rs?)?)?\s*(?:(\d+)\s*m(?:in(?:ute)?s?)?)?$")
_DURATION_COLON = re.compile(r"^(\d+):([0-5]\d)$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

EXPECTED = {
    AnswerType.RAG: "red, amber or green (or R, A, G)",
    AnswerType.YES_NO: "yes or no",
    AnswerType.YES_NO_PARTIAL: "yes, no or partial",
    AnswerType.COUNT: "a whole number, 0 or more",
    AnswerType.DURATION: "a duration such as 90, 90m, 1h30m or 1:30",
    AnswerType.PERCENT: "a percentage from 0 to 100, such as 45 or 45%",
    AnswerType.TIME_OF_DAY: "a time of day such as 08:05 or 17:30",
    AnswerType.SINGLE_CHOICE: "one of the options",
    AnswerType.MULTI_CHOICE: "one or more of the options, separated by commas",
    AnswerType.TEXT: f"some text (at most {MAX_TEXT} characters)",
}


def expected_form(item: Item) -> str:
    base = EXPECTED[item.type]
    if item.options:
        base += f": {', '.join(item.option_ids)}"
    return base


def parse_value(item: Item, raw: Any) -> Any:
    """The canonical value of `raw` for `item`, or ValueError saying what was expected."""
    try:
        value = _PARSERS[item.type](item, raw)
    except (ValueError, TypeError, AttributeError):
        value = None
    if value is None:
        raise ValueError(f"expected {expected_form(item)}, got {_show(raw)}")
    return value


def is_canonical(item: Item, value: Any) -> bool:
    """True when `value` is already in the canonical form for `item` (used on import)."""
    try:
        return parse_value(item, value) == value and type(parse_value(item, value)) is type(value)
    except ValueError:
        return False


def _show(raw: Any) -> str:
    text = repr(raw) if not isinstance(raw, str) else repr(raw.strip())
    return text if len(text) <= 40 else text[:37] + "...'"


def _word(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError
    return raw.strip().lower()


def _rag(item: Item, raw: Any) -> str | None:
    return _RAG.get(_word(raw))


def _yes_no(item: Item, raw: Any) -> str | None:
    return _YES_NO.get(_word(raw))


def _yes_no_partial(item: Item, raw: Any) -> str | None:
    return _YES_NO_PARTIAL.get(_word(raw))


def _count(item: Item, raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    text = _word(raw).replace(",", "")
    if not re.fullmatch(r"\d{1,9}", text):
        return None
    return int(text)


def _percent(item: Item, raw: Any) -> int | float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        text = _word(raw).removesuffix("%").strip()
        if not re.fullmatch(r"\d{1,3}(\.\d{1,4})?", text):
            return None
        number = float(text)
    if not math.isfinite(number) or not 0 <= number <= 100:
        return None
    number = round(number, 2)
    return int(number) if number.is_integer() else number


def _duration(item: Item, raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw <= 100_000 else None
    text = _word(raw)
    if not text:
        return None
    if text.isdigit():
        minutes = int(text)
    elif m := _DURATION_COLON.fullmatch(text):
        minutes = int(m[1]) * 60 + int(m[2])
    elif (m := _DURATION_HM.fullmatch(text)) and (m[1] or m[2]):
        minutes = int(m[1] or 0) * 60 + int(m[2] or 0)
    else:
        return None
    return minutes if minutes <= 100_000 else None


def _time_of_day(item: Item, raw: Any) -> str | None:
    m = _TIME.fullmatch(_word(raw).replace(".", ":"))
    return f"{int(m[1]):02d}:{m[2]}" if m else None


def _single_choice(item: Item, raw: Any) -> str | None:
    text = _word(raw)
    for option in item.options or ():
        if text in (option.id, option.label.strip().lower()):
            return option.id
    return None


def _multi_choice(item: Item, raw: Any) -> list[str] | None:
    parts = raw if isinstance(raw, list | tuple) else _word(raw).split(",")
    chosen: set[str] = set()
    for part in parts:
        if isinstance(part, str) and not part.strip():
            continue
        option = _single_choice(item, part)
        if option is None:
            return None
        chosen.add(option)
    order = {oid: i for i, oid in enumerate(item.option_ids)}
    return sorted(chosen, key=order.__getitem__) or None


def _text(item: Item, raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    return text if 0 < len(text) <= MAX_TEXT else None


_PARSERS = {
    AnswerType.RAG: _rag,
    AnswerType.YES_NO: _yes_no,
    AnswerType.YES_NO_PARTIAL: _yes_no_partial,
    AnswerType.COUNT: _count,
    AnswerType.DURATION: _duration,
    AnswerType.PERCENT: _percent,
    AnswerType.TIME_OF_DAY: _time_of_day,
    AnswerType.SINGLE_CHOICE: _single_choice,
    AnswerType.MULTI_CHOICE: _multi_choice,
    AnswerType.TEXT: _text,
}


def format_value(item: Item, value: Any) -> str:
    """A value as a person reads it: '1 h 30 min', '45%', option labels."""
    if value is None:
        return ""
    if item.type is AnswerType.DURATION:
        hours, minutes = divmod(int(value), 60)
        if not hours:
            return f"{minutes} min"
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if item.type is AnswerType.PERCENT:
        return f"{value}%"
    if item.type in (AnswerType.SINGLE_CHOICE, AnswerType.MULTI_CHOICE):
        labels = {o.id: o.label for o in item.options or ()}
        ids = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(i, i) for i in ids)
    if item.type is AnswerType.COUNT and item.unit:
        unit = item.unit[:-1] if value == 1 and item.unit.endswith("s") else item.unit
        return f"{value} {unit}"  # "1 handover", "3 handovers"
    if item.type in (AnswerType.RAG, AnswerType.YES_NO, AnswerType.YES_NO_PARTIAL):
        return str(value).capitalize()
    return str(value)
