"""The smart list: every system, where it is, and where to focus first.

The priority rule is data (`RULE`), shown word for word on the home page, and each
system's reasons are the rule's own sentences for that system. "Today" is handed in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, select

from sync.server.office import tables as t
from sync.server.office.performance import SystemMonth, system_months
from sync.server.office.systems import list_systems, visit_system_column

FOUR_HOUR_AMBITION = 78.0  # the national ambition for March 2026
FOUR_HOUR_STANDARD = 95.0  # the NHS Constitution standard
HEADLINE = ("four_hour_pct", "occupancy_pct", "discharges_before_noon_pct",
            "weekend_weekday_ratio", "super_stranded_mean")

RULE = [
    "Each system scores points; the highest score comes first.",
    f"Latest monthly 4-hour performance below {FOUR_HOUR_AMBITION:g}% (the national "
    f"ambition): 3 points; below {FOUR_HOUR_STANDARD:g}% (the NHS Constitution "
    "standard): 1 point.",
    "4-hour performance falling for 3 months in a row: 2 points.",
    "12-hour waits from decision to admit in the latest month: 1 point; 100 or more: "
    "2 points.",
    "Each area rated red at the latest visit: 1 point, up to 4.",
    "Never visited, or last visited 12 months ago or more: 3 points; 6 months or more: "
    "2 points.",
    "Systems not yet in the register (known only from a visit): 1 point, so they are "
    "registered.",
    "Equal scores: the lower 4-hour performance first, then by name.",
]


@dataclass
class SmartRow:
    system_id: int | None
    name: str
    region: str | None
    note: str | None = None
    registered: bool = True
    latest_visit_id: str | None = None
    last_visit_date: str | None = None
    days_since_visit: int | None = None
    visits: int = 0
    areas: dict[str, int] = field(default_factory=lambda: {"red": 0, "amber": 0,
                                                           "green": 0, "unrated": 0})
    headline: list[dict[str, object]] = field(default_factory=list)
    open_recommendations: int = 0
    latest_month: str | None = None
    four_hour_pct: float | None = None
    twelve_hour_waits: int | None = None
    trend: list[tuple[str, float | None]] = field(default_factory=list)
    falling_months: int = 0
    score: int = 0
    rank: int = 0
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"system": self.name, "rank": self.rank, "reasons": self.reasons,
                "latest_month": self.latest_month, "four_hour_pct": self.four_hour_pct,
                "twelve_hour_waits": self.twelve_hour_waits,
                "last_visit_date": self.last_visit_date, "region": self.region,
                "score": self.score, "system_id": self.system_id}


def _months_text(days: int) -> str:
    months = days // 30
    if months < 1:
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{months} month{'s' if months != 1 else ''}"


def _falling_run(months: list[SystemMonth]) -> int:
    """How many months in a row the 4-hour % fell, counting back from the latest."""
    values = [m.four_hour_pct for m in months]
    run = 0
    for earlier, later in zip(reversed(values[:-1]), reversed(values[1:]), strict=True):
        if earlier is None or later is None or later >= earlier:
            break
        run += 1
    return run


def build(conn: Connection, today: date) -> list[SmartRow]:
    """Every system (registered, or named by a visit) in priority order, ranked."""
    rows: dict[object, SmartRow] = {}
    for s in list_systems(conn):
        rows[s.id] = SmartRow(s.id, s.name, s.region, s.note)
    visits = conn.execute(select(t.read_visits.c.visit_id, t.read_visits.c.date,
                                 t.read_visits.c.system, t.read_visits.c.system_key,
                                 visit_system_column().label("system_id"))).all()
    latest: dict[object, tuple[str, str]] = {}
    for v in visits:
        key: object = v.system_id if v.system_id is not None else ("name", v.system_key or "")
        if key not in rows:
            rows[key] = SmartRow(None, v.system or "Visit with no system name", None,
                                 registered=False)
        rows[key].visits += 1
        when = v.date or ""
        if key not in latest or (when, v.visit_id) > latest[key]:
            latest[key] = (when, v.visit_id)
    by_visit = {vid: key for key, (_when, vid) in latest.items()}
    for key, (when, vid) in latest.items():
        row = rows[key]
        row.latest_visit_id, row.last_visit_date = vid, when or None
        if when:
            try:
                row.days_since_visit = (today - date.fromisoformat(when)).days
            except ValueError:
                pass
    if by_visit:
        ids = list(by_visit)
        for vid, worst in conn.execute(select(t.read_areas.c.visit_id, t.read_areas.c.rag_worst)
                                       .where(t.read_areas.c.visit_id.in_(ids),
                                              t.read_areas.c.deleted.is_(False))):
            rows[by_visit[vid]].areas[worst or "unrated"] += 1
        for vid, in conn.execute(select(t.read_findings.c.visit_id).where(
                t.read_findings.c.visit_id.in_(ids), t.read_findings.c.kind == "recommendation",
                t.read_findings.c.deleted.is_(False))):
            rows[by_visit[vid]].open_recommendations += 1
        headline: dict[str, dict[str, dict[str, object]]] = defaultdict(dict)
        ri = t.read_indicators
        for r in conn.execute(select(ri.c.visit_id, ri.c.indicator_id, ri.c.label, ri.c.value,
                                     ri.c.unit, ri.c.rag).where(
                ri.c.visit_id.in_(ids), ri.c.indicator_id.in_(HEADLINE),
                ri.c.value.is_not(None))):
            headline[r.visit_id][r.indicator_id] = {"id": r.indicator_id, "label": r.label,
                                                    "value": r.value, "unit": r.unit,
                                                    "rag": r.rag}
        for vid, found in headline.items():
            rows[by_visit[vid]].headline = [found[i] for i in HEADLINE if i in found]
    months = system_months(conn)
    for row in rows.values():
        history = months.get(row.system_id, []) if row.system_id is not None else []
        if history:
            last = history[-1]
            row.latest_month, row.four_hour_pct = last.month, last.four_hour_pct
            row.twelve_hour_waits = last.dta_12_plus
            row.trend = [(m.month, m.four_hour_pct) for m in history[-6:]]
            row.falling_months = _falling_run(history)
        _score(row)
    ordered = sorted(rows.values(), key=lambda r: (
        -r.score, r.four_hour_pct if r.four_hour_pct is not None else 1000.0, r.name.casefold()))
    for n, row in enumerate(ordered, 1):
        row.rank = n
    return ordered


def _score(row: SmartRow) -> None:
    score, reasons = 0, []
    pct = row.four_hour_pct
    if pct is not None:
        words = f"4-hour {pct:.2f}% in {row.latest_month}"
        if row.falling_months >= 3:
            words += f" and falling for {row.falling_months} months"
            score += 2
        if pct < FOUR_HOUR_AMBITION:
            score += 3
            reasons.append(f"{words}, below the {FOUR_HOUR_AMBITION:g}% ambition")
        elif pct < FOUR_HOUR_STANDARD:
            score += 1
            reasons.append(f"{words}, below the {FOUR_HOUR_STANDARD:g}% standard")
        elif row.falling_months >= 3:
            reasons.append(words)
    waits = row.twelve_hour_waits
    if waits:
        score += 2 if waits >= 100 else 1
        reasons.append(f"{waits:,} 12-hour waits from decision to admit in {row.latest_month}")
    red = row.areas["red"]
    if red:
        score += min(red, 4)
        reasons.append(f"{red} red area{'s' if red != 1 else ''} at the last visit")
    if row.latest_visit_id is None:
        score += 3
        reasons.append("never visited")
    elif row.days_since_visit is not None and row.days_since_visit >= 183:
        score += 3 if row.days_since_visit >= 365 else 2
        reasons.append(f"no visit for {_months_text(row.days_since_visit)}")
    if not row.registered:
        score += 1
        reasons.append("not in the systems register yet: register it to link its trusts")
    if not reasons:
        parts = []
        if pct is not None:
            parts.append(f"4-hour {pct:.2f}% in {row.latest_month}")
        else:
            parts.append("no monthly A&E figures yet")
        if row.days_since_visit is not None:
            parts.append(f"visited {_months_text(row.days_since_visit)} ago")
        reasons.append("nothing flagged: " + "; ".join(parts))
    row.score, row.reasons = score, reasons


def to_json(rows: list[SmartRow]) -> str:
    return json.dumps([r.as_json() for r in rows], indent=2, ensure_ascii=False)
