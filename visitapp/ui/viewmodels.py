"""What the screens show, worked out in plain Python (no flet here, so it is testable).

The screens turn these into controls; nothing here decides a business rule (progress,
RAG and visibility come from the domain), it only arranges them for a person to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from visitapp.domain.forms import AREA_KINDS, AnswerType, Item
from visitapp.domain.values import format_value
from visitapp.domain.visit import (
    FINDING_KIND_LABELS,
    PATHWAY_LABELS,
    VISIT_TYPE_LABELS,
    AreaState,
    FindingKind,
    FindingState,
    Pathway,
    VisitState,
    VisitType,
)

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_TEXT = "#212B32"
NHS_GREY_BG = "#F0F4F5"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_WARM_YELLOW = "#FFB81C"
NHS_RED = "#D5281B"
NHS_GREEN = "#007F3B"
WHITE = "#FFFFFF"


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

_YES = Choice("yes", "Yes")
_NO = Choice("no", "No")
_PARTIAL = Choice("partial", "Partly")

ENTRY_TYPES = frozenset({AnswerType.COUNT, AnswerType.DURATION, AnswerType.PERCENT,
                         AnswerType.TIME_OF_DAY, AnswerType.TEXT})

ENTRY_HINTS = {
    AnswerType.COUNT: "A whole number",
    AnswerType.DURATION: "Minutes, or like 1h30m or 1:30",
    AnswerType.PERCENT: "0 to 100",
    AnswerType.TIME_OF_DAY: "24-hour time, like 08:30",
    AnswerType.TEXT: "Type what you saw or heard (no patient details)",
}

ANSWER_TYPE_WORDS = {
    AnswerType.RAG: "Rating",
    AnswerType.YES_NO: "Yes or no",
    AnswerType.YES_NO_PARTIAL: "Yes, partly or no",
    AnswerType.COUNT: "Number",
    AnswerType.DURATION: "Duration",
    AnswerType.PERCENT: "Percentage",
    AnswerType.TIME_OF_DAY: "Time of day",
    AnswerType.SINGLE_CHOICE: "Choose one",
    AnswerType.MULTI_CHOICE: "Choose any that apply",
    AnswerType.TEXT: "Text",
}


def choices_for(item: Item) -> tuple[Choice, ...]:
    """The tappable choices for an item; empty for items answered by typing."""
    if item.type is AnswerType.RAG:
        return RAG_CHOICES
    if item.type is AnswerType.YES_NO:
        return (_YES, _NO)
    if item.type is AnswerType.YES_NO_PARTIAL:
        return (_YES, _PARTIAL, _NO)
    if item.type in (AnswerType.SINGLE_CHOICE, AnswerType.MULTI_CHOICE):
        return tuple(Choice(o.id, o.label) for o in item.options or ())
    return ()


def is_multi(item: Item) -> bool:
    return item.type is AnswerType.MULTI_CHOICE


def entry_text(item: Item, value: Any) -> str:
    """What an entry field shows for a stored value (plain, so it can be edited)."""
    if value is None:
        return ""
    return str(value)


def entry_suffix(item: Item) -> str | None:
    if item.type is AnswerType.DURATION:
        return "min"
    if item.type is AnswerType.PERCENT:
        return "%"
    if item.type is AnswerType.COUNT:
        return item.unit
    return None


def toggle_multi(current: Any, option: str) -> list[str]:
    """A multiple-choice answer with `option` switched on or off."""
    chosen = list(current) if isinstance(current, list) else []
    if option in chosen:
        chosen.remove(option)
    else:
        chosen.append(option)
    return chosen


def shown_value(item: Item, value: Any) -> str:
    return format_value(item, value) if value is not None else ""


# --- visits and areas ------------------------------------------------------------------

def visit_type_label(value: str | None) -> str:
    try:
        return VISIT_TYPE_LABELS[VisitType(value)]
    except (ValueError, KeyError):
        return value or ""


VISIT_TYPE_CHOICES = tuple(Choice(t.value, VISIT_TYPE_LABELS[t]) for t in VisitType)


@dataclass(frozen=True)
class AreaCard:
    key: str
    label: str
    kind_label: str
    answered: int
    visible: int
    required_missing: int
    rag_overall: str | None
    rag_counts: dict[str, int]
    findings: int
    photos: int
    rag_set_by_team: bool = False

    @property
    def rag_word(self) -> str:
        if not self.rag_overall:
            return "Not rated yet"
        word = RAG_BY_VALUE[self.rag_overall].label
        return f"{word} (set by the team)" if self.rag_set_by_team else word

    @property
    def progress_text(self) -> str:
        return f"{self.answered} of {self.visible} answered"

    @property
    def missing_text(self) -> str:
        if self.required_missing == 0:
            return "All required answered"
        return f"{self.required_missing} required not answered"

    @property
    def findings_text(self) -> str:
        return f"{self.findings} finding" + ("" if self.findings == 1 else "s")

    @property
    def rag_counts_text(self) -> str:
        parts = [f"{self.rag_counts.get(c.value, 0)} {c.label.lower()}"
                 for c in reversed(RAG_CHOICES) if self.rag_counts.get(c.value)]
        return ", ".join(parts)

    @property
    def summary(self) -> str:
        """Everything on the card in words, for the screen reader (and the tests)."""
        spread = f" ({self.rag_counts_text})" if self.rag_counts_text else ""
        return (f"{self.label}. {self.progress_text}. {self.missing_text}. "
                f"Area rating: {self.rag_word}{spread}. {self.findings_text}.")


def area_card(state: VisitState, area: AreaState) -> AreaCard:
    progress = area.progress()
    rag = area.rag()
    return AreaCard(
        key=area.key, label=area.label, kind_label=AREA_KINDS.get(area.kind, area.kind),
        answered=progress.answered, visible=progress.visible,
        required_missing=progress.required_missing, rag_overall=rag.overall,
        rag_counts=rag.counts, rag_set_by_team=rag.set_by_team, findings=len(state.findings_for_area(area.key)),
        photos=sum(1 for a in state.attachments if a.area_key == area.key))


def area_cards(state: VisitState) -> list[AreaCard]:
    return [area_card(state, a) for a in state.areas]


def neighbours(state: VisitState, key: str) -> tuple[AreaState | None, AreaState | None]:
    """The areas before and after `key` in walk order."""
    keys = [a.key for a in state.areas]
    if key not in keys:
        return None, None
    i = keys.index(key)
    return (state.areas[i - 1] if i > 0 else None,
            state.areas[i + 1] if i + 1 < len(keys) else None)


def checklist_entries(area: AreaState) -> list[tuple[str, Any]]:
    """The checklist in order: ("section", title) headings, then ("item", Item) rows,
    only for items visible with the answers so far; a section with nothing visible is left out.
    """
    visible = {i.id for i in area.visible_items()}
    entries: list[tuple[str, Any]] = []
    for section in area.form.sections:
        items = [i for i in section.items if i.id in visible]
        if items:
            entries.append(("section", section.title))
            entries.extend(("item", i) for i in items)
    return entries


def area_choices(state: VisitState) -> list[Choice]:
    return [Choice(a.key, a.label) for a in state.areas]


def area_kind_choices() -> list[Choice]:
    return [Choice(k, v) for k, v in AREA_KINDS.items()]


# --- findings ------------------------------------------------------------------------

FINDING_KIND_CHOICES = tuple(Choice(k.value, FINDING_KIND_LABELS[k]) for k in FindingKind)
PATHWAY_CHOICES = tuple(Choice(p.value, PATHWAY_LABELS[p]) for p in Pathway)
HORIZON_CHOICES = (Choice("quick_win", "Quick win"), Choice("longer_term", "Longer term"))


def default_pathway(item: Item) -> str | None:
    """The first of an item's theme tags that is also a pathway, if any."""
    pathways = {p.value for p in Pathway}
    return next((t for t in item.tags if t in pathways), None)


def flag_text(item: Item, value: Any) -> str:
    """A starting text for a finding flagged from an item; the user edits it.

    The item's note is left out on purpose: it may be long, and it was checked by the
    privacy guard for a different purpose (a working note, not a feedback statement).
    """
    text = item.prompt.rstrip("?").rstrip()
    if value is not None:
        text += f": {format_value(item, value)}"
    return text


def count_words(n: int, word: str) -> str:
    """'1 concern', '2 concerns'."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def findings_by_kind(findings: Iterable[FindingState]) -> list[tuple[str, str, list[FindingState]]]:
    """Findings grouped by kind in the order of a feedback session (every kind listed)."""
    groups: dict[str, list[FindingState]] = {k.value: [] for k in FindingKind}
    for f in findings:
        groups.setdefault(f.kind, []).append(f)
    return [(k, FINDING_KIND_LABELS.get(FindingKind(k), k) if k in groups else k, fs)
            for k, fs in groups.items()]


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


def linked_findings(state: VisitState, area_key: str, item_id: str) -> list[FindingState]:
    return [f for f in state.findings if f.area_key == area_key and item_id in f.item_ids]


def finding_links(state: VisitState, finding: FindingState) -> str:
    """Where a finding comes from, in words: its area and the items it is linked to."""
    if finding.area_key is None:
        return "Whole visit"
    area = state.area(finding.area_key)
    if area is None:
        return "An area no longer in the visit"
    prompts = [area.form.item(i).prompt for i in finding.item_ids if area.form.item(i)]
    if not prompts:
        return area.label
    return f"{area.label}: " + "; ".join(prompts)


# --- status --------------------------------------------------------------------------

def is_online(connectivity: Iterable[Any]) -> bool:
    """Connectivity types (enum members or their values) to online/offline."""
    values = {getattr(c, "value", c) for c in connectivity}
    return bool(values - {"none", "bluetooth"})


def saved_text(at_hhmmss: str, what: str) -> str:
    return f"Saved {what} at {at_hhmmss}"


PRIVACY_REMINDER = (
    "No patients, whiteboards with names, or screens may appear in a photo. "
    "Photos stay on this tablet until sync.")


def privacy_warning_text(reasons: Iterable[str]) -> str:
    return ("This looks like patient data (" + "; ".join(reasons) + "). "
            "Edit it to remove the details, or confirm it is not patient data. "
            "It has not been saved yet.")


# --- feedback --------------------------------------------------------------------------

HORIZON_LABELS = {c.value: c.label for c in HORIZON_CHOICES}

FEEDBACK_GROUPS = (
    ("strength", "What works well", "Add a strength"),
    ("concern", "Areas for improvement", "Add an area for improvement"),
    ("recommendation", "Recommendations", "Add a recommendation"),
    ("support", "Offers of support", "Add an offer of support"),
    ("next_step", "Next steps", "Add a next step"),
)


def finding_details(f: FindingState) -> str:
    """Pathway, quick win or longer term, and owner, in words."""
    parts = [pathway_label(f.pathway)]
    if f.horizon:
        parts.append(HORIZON_LABELS.get(f.horizon, f.horizon))
    if f.kind == "recommendation" and not f.horizon:
        parts.append("Quick win or longer term not chosen")
    if f.owner:
        parts.append(f"Owner: {f.owner}")
    return " · ".join(parts)


def moved(ids: list[str], finding_id: str, step: int) -> list[str]:
    """`ids` with `finding_id` moved one place up (-1) or down (+1); unchanged at an end."""
    out = list(ids)
    i = out.index(finding_id)
    j = i + step
    if 0 <= j < len(out):
        out[i], out[j] = out[j], out[i]
    return out


def feedback_order(groups: dict[str, list[FindingState]], kind: str | None = None,
                   finding_id: str | None = None, step: int = 0) -> list[str]:
    """Every finding id in presentation order, optionally with one moved within its kind."""
    order: list[str] = []
    for k, fs in groups.items():
        ids = [f.id for f in fs]
        if k == kind and finding_id in ids:
            ids = moved(ids, finding_id, step)
        order.extend(ids)
    return order


def preview_lines(model: Any) -> list[tuple[str, str]]:
    """The report's sections, in order, each with what it holds (from a ReportModel)."""
    def n(count: int, word: str) -> str:
        return count_words(count, word)

    cover = model.cover
    lines = [("Cover", f"{cover.system}, {cover.date_text}, {cover.visit_type}; "
                       f"team of {len(cover.team)}"),
             ("Key messages", n(len(model.key_messages.messages), "message") + "; "
                              + n(len(model.key_messages.headline), "headline figure")),
             ("Scope", f"{n(len(model.scope.areas), 'area')} walked; "
                       f"{n(len(model.scope.people_met), 'group')} of people met; "
                       f"{n(len(model.scope.data_reviewed), 'data source')} reviewed"),
             ("What works well", n(len(model.strengths), "strength"))]
    improvements = sum(len(g.findings) for g in model.improvements)
    by_pathway = ", ".join(f"{g.pathway} {len(g.findings)}" for g in model.improvements)
    lines.append(("Areas for improvement", n(improvements, "area") +
                  (f" ({by_pathway})" if by_pathway else "")))
    recs = sum(len(g.recommendations) for g in model.recommendations)
    by_horizon = ", ".join(f"{g.horizon} {len(g.recommendations)}" for g in model.recommendations)
    lines.append(("Recommendations", n(recs, "recommendation") +
                  (f" ({by_horizon})" if by_horizon else "")))
    lines.append(("Offers of support", n(len(model.support), "offer")))
    lines.append(("Next steps", n(len(model.next_steps), "step")))
    lines.append(("Factual accuracy and questions", "how to send corrections"))
    appendices = [f"A Ratings ({n(len(model.rag_grid), 'area')})",
                  "B Data" + (f" ({', '.join(e.title for e in model.extra_appendices)})"
                              if model.extra_appendices else " (none shared)"),
                  f"C Answers ({n(model.answers_count, 'answer')})",
                  f"D Photos ({len(model.photos)})"]
    lines.append(("Appendices", "; ".join(appendices)))
    return lines


def short_hash(sha256: str) -> str:
    return sha256[:12]


def size_text(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.1f} MB"
    return f"{max(1, round(n_bytes / 1024))} KB"


def presented_text(number: int, at_london: str, by: str | None, n_bytes: int,
                   sha256: str) -> str:
    who = f" by {by}" if by else ""
    return (f"Version {number}: presented {at_london}{who} · {size_text(n_bytes)} · "
            f"fingerprint {short_hash(sha256)}")


def pdf_file_name(system: str, date: str | None) -> str:
    """A safe download name: feedback-riverside-health-2026-11-27.pdf."""
    words = "".join(c.lower() if c.isalnum() else " " for c in system).split()
    slug = "-".join(words)[:40].strip("-") or "visit"
    return f"feedback-{slug}-{date or 'undated'}.pdf"


def patient_data_problems(problems: Iterable[tuple[str, list[str]]]) -> list[str]:
    """Each place the report guard stopped at, in words."""
    return [f"{where[:1].upper()}{where[1:]}: looks like {'; '.join(reasons)}"
            for where, reasons in problems]


# --- data deep dive ------------------------------------------------------------------

RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}

STRANDED_CHOICES = (Choice("ge7", "7 days or more"), Choice("gt7", "More than 7 days"))
BANK_HOLIDAY_CHOICES = (Choice("yes", "Count as weekend days"),
                        Choice("no", "Count as weekdays"))


def rating_words(item: Item, suggested: str | None, team: str | None) -> str:
    """ "Suggested: Red. Standard: no handover over 30 minutes." or the team's rating."""
    standard = f" Standard: {item.standard.rstrip('.')}." if item.standard else ""
    if team:
        return (f"Team's rating: {rag_word(team)} (suggested: {rag_word(suggested)})."
                + standard)
    return f"Suggested: {rag_word(suggested)}.{standard}"


def rag_word(rag: str | None) -> str:
    return RAG_WORDS.get(rag or "", "Not rated")


def _num(v: float | None) -> str:
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
    text = (f"Mean a day. Discharges are lowest on {low[0]} ({_num(low[2])}, against "
            f"{_num(low[1])} admissions). ")
    if worst[1] > 0:
        text += f"The biggest shortfall of discharges is on {worst[0]} ({_num(worst[1])} fewer). "
    else:
        text += "Discharges keep up with admissions every day. "
    if weekday and weekend:
        text += (f"Weekend discharges {_num(sum(weekend) / len(weekend))} a day against "
                 f"{_num(sum(weekday) / len(weekday))} on weekdays.")
    return text.strip()


def four_hour_summary(weekly: list[tuple[str, float]], standard: float = 95) -> str:
    if not weekly:
        return "No 4-hour figures yet: the extract needs attendances and within_4h."
    met = sum(1 for _, v in weekly if v >= standard)
    best = max(weekly, key=lambda x: x[1])
    worst = min(weekly, key=lambda x: x[1])
    last = weekly[-1]
    return (f"{met} of {count_words(len(weekly), 'week')} at or above the {standard:g}% "
            f"standard. Best: {best[1]:.1f}% (week of {_day_month(best[0])}); worst: "
            f"{worst[1]:.1f}% (week of {_day_month(worst[0])}); latest: {last[1]:.1f}%.")


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
        parts.append(f"{name}: {first[1]} on {_day_month(first[0])}, {last[1]} on "
                     f"{_day_month(last[0])} ({direction}); mean {_num(sum(values) / len(values))}.")
    return " ".join(parts)


def _day_month(iso: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(iso).strftime("%-d %b")
    except ValueError:
        return iso


def change_text(label: str, before: Any, after: Any, rag: bool = False) -> str:
    """One line of the follow-up comparison."""
    if rag:
        return f"{label}: {rag_word(before)} then, {rag_word(after)} now"
    then, now = _num(before), _num(after)
    if isinstance(before, int | float) and isinstance(after, int | float):
        delta = after - before
        sign = "up" if delta > 0 else "down" if delta < 0 else "no change"
        return f"{label}: {then} then, {now} now ({sign}{'' if not delta else ' ' + _num(abs(delta))})"
    return f"{label}: {then} then, {now} now"


# --- sync ----------------------------------------------------------------------------

def _hhmm(iso: str | None) -> str:
    if not iso:
        return "never"
    from visitapp.domain.timefmt import london

    try:
        return london(iso, "%d %b %H:%M")
    except ValueError:
        return iso


def sync_status_short(status: Any) -> str:
    """The status line's sync part: short enough for the app bar, in words."""
    changes = count_words(status.pending, "change")
    if not status.enrolled:
        return f"{changes} not synced"
    text = (f"{changes} to sync" if status.pending else "All sent") + \
        f" · last sync {_hhmm(status.last_sync_at)}"
    if status.last_error:
        text += " · sync problem"
    if status.clock_warning:
        text += " · check the clock"
    return text


def sync_status_label(status: Any) -> str:
    """The status line's sync part in full, for a screen reader."""
    if not status.enrolled:
        return (f"Sync is not set up: {count_words(status.pending, 'change')} kept on this "
                "tablet only")
    return " ".join(sync_status_lines(status))


def sync_status_lines(status: Any) -> list[str]:
    """Everything about sync in words, for the sync card on the visits screen."""
    if not status.enrolled:
        return ["This tablet is not enrolled with the programme office, so nothing is "
                "sent yet. Ask the programme office for a token.",
                f"Changes kept on this tablet only: {status.pending}."]
    lines = [f"Programme office: {status.server_url}",
             f"Changes waiting to be sent: {status.pending}.",
             f"Last sync: {_hhmm(status.last_sync_at)}."]
    if status.rejected:
        lines.append(f"Refused by the programme office: {len(status.rejected)}.")
    if status.last_error:
        lines.append(f"Last problem: {status.last_error}.")
    if status.clock_warning:
        lines.append(f"Warning: {status.clock_warning}.")
    return lines


def visit_sync_text(pending: int, enrolled: bool) -> str:
    if pending == 0:
        return "All changes sent to the programme office" if enrolled else "No changes kept"
    if not enrolled:
        return f"{count_words(pending, 'change')} on this tablet only (sync not set up)"
    return f"{count_words(pending, 'change')} waiting to sync"


def conflict_value_text(value: Any, item: Item | None) -> str:
    if value is None:
        return "(cleared)"
    if item is not None:
        try:
            return format_value(item, value)
        except Exception:  # noqa: BLE001 - a value from another form version: show it raw
            pass
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def conflict_where(state: VisitState, conflict: dict[str, Any]) -> tuple[str, Item | None]:
    """(area and item in words, the item) for a conflict from `SyncService.conflicts`."""
    area = state.area(conflict["area_key"]) if conflict.get("area_key") else None
    item = area.form.item(conflict["item_id"]) if area and conflict.get("item_id") else None
    field_words = {"value": "answer", "note": "note"}.get(conflict["field"], conflict["field"])
    if area is not None and item is not None:
        return f"{area.label}: {item.prompt} ({field_words})", item
    if area is not None:
        return f"{area.label} ({field_words})", None
    return f"{conflict['entity'].replace('_', ' ').capitalize()} ({field_words})", None


def import_summary(taken: int, unchanged: int, skipped: int) -> str:
    text = f"took {count_words(taken, 'row')}"
    if unchanged:
        text += f" ({unchanged} already here, unchanged)"
    text += f"; skipped {count_words(skipped, 'line')}" if skipped else "; no lines skipped"
    return text + "."
