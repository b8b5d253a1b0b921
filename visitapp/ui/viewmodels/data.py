"""The data deep dive screen: the indicators in words and the follow-up comparison."""

from __future__ import annotations

from typing import Any

from visitapp.ui.viewmodels.common import (
    Choice,
    count_words,
    rag_word,
)

STRANDED_CHOICES = (Choice("ge7", "7 days or more"), Choice("gt7", "More than 7 days"))


BANK_HOLIDAY_CHOICES = (Choice("yes", "Count as weekend days"),
                        Choice("no", "Count as weekdays"))


def figure_text(v: float | None) -> str:
    if v is None:
        return "no figure"
    return f"{v:.1f}" if round(v, 1) % 1 else f"{int(round(v))}"


def day_of_week_summary(profile: dict[str, dict[str, float | None]]) -> str:
    """Admissions against discharges by day of the week, in words."""
    days = [(d, v.get("admissions"), v.get("discharges")) for d, v in profile.items()]
    have = [(d, a, b) for d, a, b in days if a is not None and b is not None]
    if not have:
        return "No admissions and discharges by day yet: import a daily extract."
    short = [(d, a - b) for d, a, b in have]
    worst = max(short, key=lambda x: x[1])
    low = min(have, key=lambda x: x[2])
    weekday = [b for d, _, b in have if d not in ("Sat", "Sun")]
    weekend = [b for d, _, b in have if d in ("Sat", "Sun")]
    text = (f"Mean a day. Discharges are lowest on {low[0]} ({figure_text(low[2])}, against "
            f"{figure_text(low[1])} admissions). ")
    if worst[1] > 0:
        text += f"The biggest shortfall of discharges is on {worst[0]} ({figure_text(worst[1])} fewer). "
    else:
        text += "Discharges keep up with admissions every day. "
    if weekday and weekend:
        text += (f"Weekend discharges {figure_text(sum(weekend) / len(weekend))} a day against "
                 f"{figure_text(sum(weekday) / len(weekday))} on weekdays.")
    return text.strip()


def four_hour_summary(weekly: list[tuple[str, float]], standard: float = 95) -> str:
    if not weekly:
        return "No 4-hour figures yet: the extract needs attendances and within_4h."
    met = sum(1 for _, v in weekly if v >= standard)
    best = max(weekly, key=lambda x: x[1])
    worst = min(weekly, key=lambda x: x[1])
    last = weekly[-1]
    return (f"{met} of {count_words(len(weekly), 'week')} at or above the {standard:g}% "
            f"standard. Best: {best[1]:.1f}% (week of {day_month(best[0])}); worst: "
            f"{worst[1]:.1f}% (week of {day_month(worst[0])}); latest: {last[1]:.1f}%.")


def stranded_summary(trend: list[tuple[str, int | None, int | None]]) -> str:
    if not trend:
        return "No stranded patient counts yet: the extract needs stranded_7d or stranded_21d."
    parts = []
    for index, name in ((1, "Stranded"), (2, "Super-stranded")):
        points = [(d, row[index]) for row in trend for d in [row[0]] if row[index] is not None]
        if not points:
            continue
        values = [v for _, v in points]
        first, last = points[0], points[-1]
        direction = ("down" if last[1] < first[1] else "up" if last[1] > first[1]
                     else "unchanged")
        parts.append(f"{name}: {first[1]} on {day_month(first[0])}, {last[1]} on "
                     f"{day_month(last[0])} ({direction}); mean {figure_text(sum(values) / len(values))}.")
    return " ".join(parts)


def day_month(iso: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(iso).strftime("%-d %b")
    except ValueError:
        return iso


def change_text(label: str, before: Any, after: Any, rag: bool = False) -> str:
    """One line of the follow-up comparison."""
    if rag:
        return f"{label}: {rag_word(before)} then, {rag_word(after)} now"
    then, now = figure_text(before), figure_text(after)
    if isinstance(before, int | float) and isinstance(after, int | float):
        delta = after - before
        sign = "up" if delta > 0 else "down" if delta < 0 else "no change"
        return f"{label}: {then} then, {now} now ({sign}{'' if not delta else ' ' + figure_text(abs(delta))})"
    return f"{label}: {then} then, {now} now"


def import_summary(taken: int, unchanged: int, skipped: int) -> str:
    text = f"took {count_words(taken, 'row')}"
    if unchanged:
        text += f" ({unchanged} already here, unchanged)"
    text += f"; skipped {count_words(skipped, 'line')}" if skipped else "; no lines skipped"
    return text + "."
