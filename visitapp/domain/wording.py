"""Words for the feedback: one date format, plurals, durations, numbers rounded so they
never cross their standard, and an answer turned into a sentence.

Used by the report model, the drafted findings and the key messages, so every place
says a thing the same way.
"""

from __future__ import annotations

from datetime import date as date_cls
from typing import Any

from visitapp.domain.forms import AnswerType, Item, Thresholds
from visitapp.domain.values import format_value

RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}


def format_date(iso: str | date_cls | None) -> str:
    """ "1 December 2026" (the one date format of the report)."""
    if not iso:
        return "Date not recorded"
    if isinstance(iso, date_cls):
        d = iso
    else:
        try:
            d = date_cls.fromisoformat(iso)
        except ValueError:
            return iso
    return f"{d.day} {d.strftime('%B %Y')}"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def number_against(value: float, thresholds: Thresholds | None, decimals: int = 1) -> str:
    """`value` with `decimals` places, or more when rounding would change its rating.

    0.58 against a 0.6 standard prints as 0.58, not 0.6 (which reads as meeting it).
    """
    for places in range(decimals, 5):
        rounded = round(value, places)
        if thresholds is None or thresholds.rate(rounded) == thresholds.rate(value):
            break
    text = f"{rounded:.{places}f}"
    if "." in text and places > decimals:
        text = text.rstrip("0").rstrip(".")
    return text


def first_lower(text: str) -> str:
    """Lower-case the first letter for use mid-sentence, but not of an acronym (SAFER)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def _question(prompt: str) -> str:
    return prompt.strip().rstrip("?").strip()


def answer_sentence(area: str, item: Item, value: Any, rag: str | None) -> str:
    """An answer as one sentence for a finding or a key message.

    The item's own `statement` template wins (placeholders {area}, {value} with its
    unit, {n} the bare number, {s} an "s" unless the number is 1, {standard}); the
    default wording depends on the type of answer.
    """
    shown = format_value(item, value)
    standard = (item.standard or "").rstrip(".")
    if item.statement:
        n = value if isinstance(value, int | float) else shown
        text = item.statement.format(area=area, value=shown, n=n,
                                     s="" if n == 1 else "s", standard=standard)
        if "{area}" not in item.statement:
            text = f"{area}: {text}"
        return text if text.endswith((".", "!", "?")) else text + "."
    if item.expect is not None and standard:
        if value == item.expect:
            return f"{area} meets the standard: {first_lower(standard)}."
        if value == "partial":
            return f"{area} only partly meets the standard: {first_lower(standard)}."
        return f"{area} does not meet the standard: {first_lower(standard)}."
    if item.type is AnswerType.RAG:
        word = RAG_WORDS.get(str(value), str(value))
        return f"{area}: we rated “{_question(item.prompt)}” {word}."
    if standard:
        return f"{area}: {shown} ({_question(item.prompt).lower()}); the standard is " \
               f"{first_lower(standard)}."
    return f"{area}: {_question(item.prompt)}: {shown}."
