"""The data deep dive: import a daily extract, enter figures by hand, compute indicators,
and compare a follow-up visit with the visit it follows.

Metrics are ops like everything else, so they sync and travel in bundles. An imported
day is one op (entity `metric_day`, id the ISO date, field `row`, the row as one value);
a figure entered by hand is one op (entity `metric`, id the indicator); the definitions
chosen are ops on `metric_settings`. Re-importing the same file writes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from visitapp.domain import indicators as ind
from visitapp.domain.daily_csv import UnreadableExtract, parse_extract
from visitapp.domain.visit import VisitState
from visitapp.errors import BadValue, NotFound, UserError
from visitapp.services.visits import VisitService
from visitapp.store import oplog
from visitapp.store.entities import winning_values

DAY_ENTITY = "metric_day"
MANUAL_ENTITY = "metric"
SETTINGS_ENTITY = "metric_settings"
SETTINGS_ID = "definitions"


@dataclass
class ImportResult:
    taken: int
    unchanged: int
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"took {self.taken} row(s)"
        if self.unchanged:
            text += f" ({self.unchanged} already here unchanged)"
        if self.skipped:
            text += f"; skipped {len(self.skipped)}"
        return text


@dataclass(frozen=True)
class Change:
    id: str
    label: str
    before: Any
    after: Any

    @property
    def delta(self) -> float | None:
        if isinstance(self.before, int | float) and isinstance(self.after, int | float):
            return round(self.after - self.before, 4)
        return None


@dataclass
class Comparison:
    earlier_visit_id: str
    earlier_date: str | None
    indicators: list[Change]
    areas: list[Change]  # overall area rating, matched by kind and label


class MetricsService:
    def __init__(self, visits: VisitService) -> None:
        self.visits = visits
        self.db = visits.db

    # --- writing -------------------------------------------------------------------

    def import_extract(self, visit_id: str, path: Path, author: str | None = None) -> ImportResult:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise UserError(f"{path}: no such file") from None
        except OSError as err:
            raise UserError(f"{path}: cannot read ({err.strerror})") from None
        try:
            parsed = parse_extract(data)
        except UnreadableExtract as err:
            raise UserError(f"{path}: {err}") from None
        taken, unchanged = self.store_rows(visit_id, parsed.rows, author=author)
        return ImportResult(taken=taken, unchanged=unchanged, skipped=parsed.skipped,
                            notes=parsed.notes)

    def store_rows(self, visit_id: str, rows: list[ind.DailyRow],
                   author: str | None = None) -> tuple[int, int]:
        """Store daily rows in one transaction, one op a day; returns (taken, unchanged)."""
        taken = unchanged = 0
        with self.db.write() as conn:
            self.visits.require_visit(conn, visit_id)
            current = winning_values(conn, visit_id, DAY_ENTITY)
            for row in rows:
                value = {"date": row.day.isoformat(), **row.counts}
                if current.get(row.day.isoformat(), {}).get("row") == value:
                    unchanged += 1
                    continue
                oplog.record(self.db, conn, visit_id=visit_id, entity=DAY_ENTITY,
                             entity_id=row.day.isoformat(), field="row", value=value,
                             author=author)
                taken += 1
        return taken, unchanged

    def set_definitions(self, visit_id: str, *, stranded: str | None = None,
                        bank_holidays_as_weekend: bool | None = None, source: str | None = None,
                        author: str | None = None) -> None:
        if stranded is not None and stranded not in ("ge7", "gt7"):
            raise BadValue("stranded definition must be ge7 (7 days or more) or gt7 (more than 7)")
        changes = {"stranded": stranded, "bank_holidays_as_weekend": bank_holidays_as_weekend,
                   "source": source}
        with self.db.write() as conn:
            self.visits.require_visit(conn, visit_id)
            for name, value in changes.items():
                if value is not None:
                    oplog.record(self.db, conn, visit_id=visit_id, entity=SETTINGS_ENTITY,
                                 entity_id=SETTINGS_ID, field=name, value=value, author=author)

    def set_manual(self, visit_id: str, indicator_id: str, value: float | None, *,
                   period: str | None = None, source: str | None = None,
                   author: str | None = None) -> None:
        """Enter (or, with None, clear) a figure that is not in the daily extract."""
        if indicator_id not in ind.MANUAL_SPECS:
            raise NotFound(f"no hand-entered indicator {indicator_id!r}; known: "
                           f"{', '.join(ind.MANUAL_SPECS)}")
        if value is not None and value < 0:
            raise BadValue(f"{indicator_id} cannot be negative")
        spec = ind.MANUAL_SPECS[indicator_id]
        if value is not None and spec.unit == "%" and value > 100:
            raise BadValue(f"{indicator_id} is a percentage from 0 to 100")
        payload = None if value is None else {"value": value, "period": period, "source": source}
        with self.db.write() as conn:
            self.visits.require_visit(conn, visit_id)
            oplog.record(self.db, conn, visit_id=visit_id, entity=MANUAL_ENTITY,
                         entity_id=indicator_id, field="value", value=payload, author=author)

    # --- reading -------------------------------------------------------------------

    def rows(self, visit_id: str) -> list[ind.DailyRow]:
        with self.db.read() as conn:
            days = winning_values(conn, visit_id, DAY_ENTITY)
        rows = []
        for fields in days.values():
            value = fields.get("row")
            if value:
                counts = {k: v for k, v in value.items() if k in ind.COUNT_COLUMNS}
                rows.append(ind.DailyRow(day=date.fromisoformat(value["date"]), counts=counts))
        return sorted(rows, key=lambda r: r.day)

    def period(self, visit_id: str) -> tuple[date, date] | None:
        """The first and last day the daily figures cover (None with no daily figures)."""
        rows = self.rows(visit_id)
        return (rows[0].day, rows[-1].day) if rows else None

    def definitions(self, visit_id: str) -> ind.Definitions:
        with self.db.read() as conn:
            settings = winning_values(conn, visit_id, SETTINGS_ENTITY).get(SETTINGS_ID, {})
        defaults = ind.Definitions()
        return ind.Definitions(
            stranded=settings.get("stranded") or defaults.stranded,
            bank_holidays_as_weekend=(defaults.bank_holidays_as_weekend
                                      if settings.get("bank_holidays_as_weekend") is None
                                      else bool(settings["bank_holidays_as_weekend"])),
            source=settings.get("source") or defaults.source,
        )

    def indicators(self, visit_id: str) -> list[ind.Indicator]:
        self.visits.load(visit_id)  # NotFound for an unknown visit
        return self.indicators_from(visit_id, self.rows(visit_id))

    def indicators_from(self, visit_id: str, rows: list[ind.DailyRow]) -> list[ind.Indicator]:
        """The indicators from daily rows already read (and the figures entered by hand)."""
        result = ind.compute(rows, self.definitions(visit_id))
        with self.db.read() as conn:
            manual = winning_values(conn, visit_id, MANUAL_ENTITY)
        for indicator_id in ind.MANUAL_SPECS:
            payload = manual.get(indicator_id, {}).get("value")
            if payload:
                result.append(ind.manual_indicator(indicator_id, payload["value"],
                                                   payload.get("period") or "as given",
                                                   payload.get("source")))
        return result

    def compare_with_earlier(self, visit_id: str, state: VisitState | None = None,
                             current: list[ind.Indicator] | None = None) -> Comparison:
        """Changes since the visit this one follows up; NotFound says plainly what is missing.

        `state` and `current` (this visit's indicators) save reading them again when the
        caller already has them.
        """
        state = state or self.visits.load(visit_id)
        if not state.follows_visit_id:
            raise NotFound("this visit does not follow up an earlier visit")
        try:
            earlier = self.visits.load(state.follows_visit_id)
        except NotFound:
            raise NotFound(
                f"the earlier visit {state.follows_visit_id} is not on this tablet: import its "
                "bundle or sync it first (it must belong to the same team)") from None
        before = {i.id: i for i in self.indicators(earlier.id)}
        after = {i.id: i for i in (current if current is not None
                                   else self.indicators(visit_id))}
        changes = [Change(i, after[i].label, before[i].value, after[i].value)
                   for i in after if i in before and (before[i].value is not None
                                                      or after[i].value is not None)]
        old_areas = {(a.kind, a.label.strip().lower()): a for a in earlier.areas}
        areas = []
        for area in state.areas:
            match = old_areas.get((area.kind, area.label.strip().lower()))
            if match is not None:
                areas.append(Change(area.key, area.label, match.rag().overall, area.rag().overall))
        return Comparison(earlier_visit_id=earlier.id, earlier_date=earlier.date,
                          indicators=changes, areas=areas)

    def charts(self, visit_id: str) -> dict[str, Any]:
        """The series behind the three charts, for the app and the report."""
        rows = self.rows(visit_id)
        return {
            "day_of_week": ind.day_of_week_profile(rows),
            "four_hour_by_week": ind.four_hour_by_week(rows),
            "stranded_trend": ind.stranded_trend(rows),
        }
