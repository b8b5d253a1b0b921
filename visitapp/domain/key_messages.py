"""What the feedback leads with: the headline figures, the change since the last visit,
and up to five key messages ranked by severity.

Ranking: for a follow-up, what changed comes first; then every critical item rated Red
(in the words of a concern that cites it, else the answer as a sentence); then the
concerns with the most weight (the Red, then Amber, ratings they cite); then, if there
is room, the strongest thing that works well. Each message is one sentence. The team
can edit and reorder them (`services.key_messages`); this is only the draft.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from visitapp.domain import indicators as ind
from visitapp.domain.report import ChangeRow, FollowUp, HeadlineFigure, KeyMessage
from visitapp.domain.visit import FindingKind, FindingState, VisitState
from visitapp.domain.wording import (
    RAG_WORDS,
    answer_sentence,
    first_lower,
    format_date,
    number_against,
)

MAX_MESSAGES = 5

# The strip on the key-messages page: (indicator id, label, the standard in a few words).
HEADLINE = (
    ("four_hour_pct", "4-hour performance", "95%"),
    ("occupancy_pct", "Bed occupancy", "92% or less"),
    ("handovers_over_60_per_day", "Handovers over 60 min a day", "none"),
    ("weekend_weekday_ratio", "Weekend:weekday discharges", "0.6 or more"),
    ("stranded_mean", "Stranded (7+ days)", "no national standard"),
    ("super_stranded_mean", "Super-stranded (21+ days)", "25% fewer"),
)
# Which way is better for figures with no thresholds of their own.
LOWER_IS_BETTER = {"stranded_mean", "super_stranded_mean", "trolley_waits_4h",
                   "trolley_waits_12h", "red_days_pct"}
RAG_RANK = {"green": 0, "amber": 1, "red": 2}
AREA_SUFFIX = ": area rating"


def show_value(indicator_id: str, value: float | None, unit: str) -> str:
    """A figure with its unit, never rounded across its standard."""
    if value is None:
        return "not known"
    spec = ind.SPECS.get(indicator_id) or ind.MANUAL_SPECS.get(indicator_id)
    thresholds = spec.thresholds if spec is not None else None
    decimals = 2 if unit == "ratio" else 1
    if unit not in ("ratio", "%") and float(value).is_integer():
        decimals = 0  # "110 patients", but "90.0%" like every other percentage
    number = number_against(float(value), thresholds, decimals)
    if unit == "%":
        return f"{number}%"
    if unit == "ratio":
        return number
    if unit == "per day":
        return f"{number} a day"
    return f"{number} {unit}"


def headline_figures(indicators: Sequence[ind.Indicator]) -> list[HeadlineFigure]:
    by_id = {i.id: i for i in indicators if i.value is not None}
    out = []
    for indicator_id, label, standard in HEADLINE:
        i = by_id.get(indicator_id)
        if i is not None:
            value = show_value(i.id, i.value, i.unit)
            out.append(HeadlineFigure(label, value.removesuffix(" a day").removesuffix(
                " patients"), standard, i.rag))
    return out


def _direction(indicator_id: str) -> str | None:
    spec = ind.SPECS.get(indicator_id) or ind.MANUAL_SPECS.get(indicator_id)
    if spec is not None and spec.thresholds is not None:
        return spec.thresholds.better
    return "lower" if indicator_id in LOWER_IS_BETTER else None


def change_row(indicator_id: str, label: str, unit: str, before: float | None,
               after: float | None) -> ChangeRow:
    then, now = show_value(indicator_id, before, unit), show_value(indicator_id, after, unit)
    if before is None or after is None:
        return ChangeRow(label, then, now, "not comparable", None)
    delta = round(after - before, 4)
    if delta == 0:
        return ChangeRow(label, then, now, "no change", "no change")
    size = number_against(abs(delta), None, 2 if unit == "ratio" else 1)
    units = {"%": " percentage points", "ratio": "", "per day": " a day"}.get(unit, f" {unit}")
    change = f"{'up' if delta > 0 else 'down'} {size}{units}"
    better = _direction(indicator_id)
    verdict = None if better is None else (
        "better" if (delta > 0) == (better == "higher") else "worse")
    return ChangeRow(label, then, now, change, verdict)


def area_change_row(label: str, before: str | None, after: str | None) -> ChangeRow:
    then = RAG_WORDS.get(before or "", "Not rated")
    now = RAG_WORDS.get(after or "", "Not rated")
    if before not in RAG_RANK or after not in RAG_RANK:
        return ChangeRow(label + AREA_SUFFIX, then, now, "not comparable", None)
    step = RAG_RANK[after] - RAG_RANK[before]  # type: ignore[index]
    verdict = "no change" if step == 0 else ("better" if step < 0 else "worse")
    return ChangeRow(label + AREA_SUFFIX, then, now,
                     "no change" if step == 0 else f"{then} to {now}", verdict)


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match[1] if match else text + "."


def _change_message(follow_up: FollowUp) -> KeyMessage | None:
    named = [(first_lower(r.label), r) for r in follow_up.indicators]
    named += [(f"the rating of {r.label.removesuffix(AREA_SUFFIX)}", r) for r in follow_up.areas]
    moved = [(name, r) for name, r in named if r.verdict in ("better", "worse")]
    if not moved:
        return None
    worse = [x for x in moved if x[1].verdict == "worse"]
    better = [x for x in moved if x[1].verdict == "better"]
    shown = (worse[:2] + better[:2])[:3]
    parts = [f"{name} is {r.verdict} ({r.before} then, {r.after} now)" for name, r in shown]
    rag = "red" if worse and not better else ("green" if better and not worse else "amber")
    return KeyMessage(f"Since our visit on {follow_up.earlier_date_text}: "
                      + "; ".join(parts) + ".", rag, "change")


def draft_key_messages(state: VisitState, follow_up: FollowUp | None = None) -> list[KeyMessage]:
    """Up to five one-sentence messages, most severe first (see the module docstring)."""
    out: list[KeyMessage] = []
    if follow_up is not None and (change := _change_message(follow_up)) is not None:
        out.append(change)
    concerns = [f for f in sorted(state.findings, key=lambda f: (f.position or 0, f.id))
                if f.kind == FindingKind.CONCERN]
    used: set[str] = set()
    ratings: dict[tuple[str | None, str], str] = {}
    for area in state.areas:
        values = area.values()
        for item in area.visible_items():
            rag = area.item_rag(item)
            if rag is None:
                continue
            ratings[(area.key, item.id)] = rag
            if rag != "red" or not item.critical or item.id not in values:
                continue
            citing = next((f for f in concerns if f.id not in used and f.area_key == area.key
                           and item.id in f.item_ids), None)
            if citing is not None:
                used.add(citing.id)
                text = _first_sentence(citing.text)
            else:
                text = answer_sentence(area.label, item, values[item.id], rag)
            out.append(KeyMessage(text, "red", "critical"))

    def weight(f: FindingState) -> tuple[int, int]:
        cited = [ratings.get((f.area_key, i)) for i in f.item_ids]
        return (-sum(1 for r in cited if r == "red"), -sum(1 for r in cited if r == "amber"))

    for f in sorted((f for f in concerns if f.id not in used), key=weight):
        cited = {ratings.get((f.area_key, i)) for i in f.item_ids}
        out.append(KeyMessage(_first_sentence(f.text), "red" if "red" in cited else "amber",
                              "concern"))
    out = out[:MAX_MESSAGES]
    strength = next((f for f in sorted(state.findings, key=lambda f: (f.position or 0, f.id))
                     if f.kind == FindingKind.STRENGTH), None)
    if strength is not None:
        # Balanced feedback: the best thing seen, in place of the lightest concern.
        message = KeyMessage(_first_sentence(strength.text), "green", "strength")
        if len(out) < MAX_MESSAGES:
            out.append(message)
        elif out[-1].kind == "concern":
            out[-1] = message
    return out


def follow_up_from(earlier_date: str | None, indicators: Sequence[tuple[str, str, str,
                   float | None, float | None]], areas: Sequence[tuple[str, str | None,
                   str | None]], problem: str | None = None) -> FollowUp:
    """The comparison as report rows: indicators (id, label, unit, before, after), areas
    (label, rating then, rating now)."""
    return FollowUp(
        earlier_date_text=format_date(earlier_date) if earlier_date else "an earlier date",
        indicators=[change_row(*row) for row in indicators],
        areas=[area_change_row(*row) for row in areas], problem=problem)
