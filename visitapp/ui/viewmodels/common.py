"""What several screens share: a tappable choice, RAG words and colours, counts in words, labels of visit types, finding kinds and pathways, and the privacy texts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from visitapp.domain.visit import (
    FINDING_KIND_LABELS,
    PATHWAY_LABELS,
    VISIT_TYPE_LABELS,
    FindingKind,
    Pathway,
    VisitType,
)
from visitapp.ui.theme import NHS_BLUE, NHS_GREEN, NHS_RED, NHS_TEXT, NHS_WARM_YELLOW, WHITE


@dataclass(frozen=True)
class Choice:
    """One tappable answer: the canonical value, its words, and colours when chosen."""

    value: str
    label: str
    colour: str = NHS_BLUE
    on_colour: str = WHITE


RAG_CHOICES = (
    Choice("red", "Red", NHS_RED, WHITE),
    Choice("amber", "Amber", NHS_WARM_YELLOW, NHS_TEXT),
    Choice("green", "Green", NHS_GREEN, WHITE),
)


RAG_BY_VALUE = {c.value: c for c in RAG_CHOICES}


def visit_type_label(value: str | None) -> str:
    try:
        return VISIT_TYPE_LABELS[VisitType(value)]
    except (ValueError, KeyError):
        return value or ""


VISIT_TYPE_CHOICES = tuple(Choice(t.value, VISIT_TYPE_LABELS[t]) for t in VisitType)


FINDING_KIND_CHOICES = tuple(Choice(k.value, FINDING_KIND_LABELS[k]) for k in FindingKind)


PATHWAY_CHOICES = tuple(Choice(p.value, PATHWAY_LABELS[p]) for p in Pathway)


HORIZON_CHOICES = (Choice("quick_win", "Quick win"), Choice("longer_term", "Longer term"))


def count_words(n: int, word: str) -> str:
    """'1 concern', '2 concerns'."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def finding_kind_label(kind: str) -> str:
    try:
        return FINDING_KIND_LABELS[FindingKind(kind)]
    except ValueError:
        return kind


def pathway_label(pathway: str | None) -> str:
    if not pathway:
        return "No pathway"
    try:
        return PATHWAY_LABELS[Pathway(pathway)]
    except ValueError:
        return pathway


def is_online(connectivity: Iterable[Any]) -> bool:
    """Connectivity types (enum members or their values) to online/offline."""
    values = {getattr(c, "value", c) for c in connectivity}
    return bool(values - {"none", "bluetooth"})


def saved_text(at_hhmmss: str, what: str) -> str:
    return f"Saved {what} at {at_hhmmss}"


PRIVACY_REMINDER = (
    "No patients, whiteboards with names, or screens may appear in a photo. "
    "Photos stay on this tablet until sync.")


_INTERNAL_PREFIX = re.compile(r"^(?:item|area|finding|attachment|visit) [\w.:/-]+: ")


def user_words(err: Exception | str, capital: bool = True) -> str:
    """An error for the person on the ward: the message without the internal id in front
    ("item ed.patients_in_majors: expected a whole number" -> "Expected a whole number").
    The CLI keeps the id: there it tells a user which line of a file to fix."""
    text = _INTERNAL_PREFIX.sub("", str(err).strip())
    return text[:1].upper() + text[1:] if capital else text


def privacy_warning_text(reasons: Iterable[str]) -> str:
    return ("This looks like patient data (" + "; ".join(reasons) + "). "
            "Edit it to remove the details, or confirm it is not patient data. "
            "It has not been saved yet.")


RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}


def rating_words(item: Any, suggested: str | None, team: str | None) -> str:
    """ "Suggested: Red. Standard: no handover over 30 minutes." or the team's rating."""
    standard = f" Standard: {item.standard.rstrip('.')}." if item.standard else ""
    if team:
        return (f"Team's rating: {rag_word(team)} (suggested: {rag_word(suggested)})."
                + standard)
    return f"Suggested: {rag_word(suggested)}.{standard}"


def rag_word(rag: str | None) -> str:
    return RAG_WORDS.get(rag or "", "Not rated")
