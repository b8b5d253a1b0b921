"""Momentum per action period, from the office's tables (the rule: domain.collaborative).

People reached: the people met on each visit (the visit's `people_met` counts) and the
attendees recorded for each event and learning session. Interactions: visits, events,
learning sessions and updates of actions. A visit with no readable date is left out (it
cannot be placed in a period) and counted in `undated_visits`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from sync.server.office import actions, calendar
from sync.server.office import tables as t
from visitapp.domain.collaborative import Momentum, VisitReach, momentum_by_period


@dataclass(frozen=True)
class MomentumReport:
    rows: list[Momentum]
    undated_visits: int

    def as_json(self) -> list[dict[str, Any]]:
        return [{"period": m.period.label,
                 "start": m.period.start.isoformat() if m.period.start else None,
                 "end": m.period.end.isoformat() if m.period.end else None,
                 "people_reached": m.people_reached, "interactions": m.interactions,
                 "momentum": m.momentum} for m in self.rows]

    def sentence(self) -> str:
        if not any(m.momentum for m in self.rows):
            return "No momentum yet: no visits, events, learning sessions or action updates."
        best = max(self.rows, key=lambda m: m.momentum)
        last = self.rows[-1]
        text = (f"Momentum is {last.momentum:,} in the latest period ({last.period.label}): "
                f"{last.people_reached:,} people reached × {last.interactions:,} "
                f"interactions. The highest so far is {best.momentum:,} "
                f"({best.period.label}).")
        if self.undated_visits:
            text += f" {self.undated_visits} visit(s) without a date are not counted."
        return text


def people_met(raw: str | None) -> int:
    try:
        listed = json.loads(raw) if raw else []
    except ValueError:
        return 0
    total = 0
    for entry in listed if isinstance(listed, list) else []:
        count = entry.get("count") if isinstance(entry, dict) else None
        if isinstance(count, int) and not isinstance(count, bool) and count > 0:
            total += count
    return total


def build(conn: Connection) -> MomentumReport:
    visits, undated = [], 0
    for day, met in conn.execute(select(t.read_visits.c.date, t.read_visits.c.people_met)):
        try:
            visits.append(VisitReach(date.fromisoformat(day or ""), people_met(met)))
        except ValueError:
            undated += 1
    gatherings = calendar.entries(conn)
    rows = momentum_by_period(
        events=[g.gathering() for g in gatherings if g.kind == "event"],
        learning=[g.gathering() for g in gatherings if g.kind == "learning"],
        visits=visits, action_updates=actions.update_days(conn))
    return MomentumReport(rows, undated)
