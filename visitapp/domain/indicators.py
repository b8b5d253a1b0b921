"""The data deep dive: daily rows from a hospital extract, and the indicators computed
from them, each with its definition, standard and RAG rating.

Plain Python: the rows come from `services.metrics` (CSV import or the data screen) and
the results feed the app, the CLI and the report. Definitions follow the domain brief,
section B; where a definition is a choice (stranded as >=7 or >7 days, bank holidays as
weekend days or not) the choice travels with the figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from visitapp.domain import bank_holidays
from visitapp.domain.forms import Thresholds

# The CSV contract: one row a day. `date` plus these counts, all optional but `date`.
COUNT_COLUMNS = (
    "attendances",
    "within_4h",
    "emergency_admissions",
    "discharges",
    "discharges_before_noon",
    "occupied_beds",
    "available_beds",
    "stranded_7d",
    "stranded_21d",
    "ambulance_handovers_over_30",
    "ambulance_handovers_over_60",
    "delayed_transfer_days",
)

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class DailyRow:
    day: date
    counts: dict[str, int]  # only the columns the extract had

    def get(self, column: str) -> int | None:
        return self.counts.get(column)


@dataclass(frozen=True)
class Definitions:
    """Choices a figure depends on, recorded with it."""

    stranded: str = "ge7"  # "ge7": length of stay >= 7 days; "gt7": > 7 days
    bank_holidays_as_weekend: bool = True
    source: str = "Daily extract"

    @property
    def stranded_text(self) -> str:
        return "length of stay of 7 days or more" if self.stranded == "ge7" else \
            "length of stay of more than 7 days"


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    value: float | None
    unit: str  # "%", "patients", "per day", "ratio", "days"
    period: str
    definition: str
    standard: str | None = None
    source: str | None = None
    rag: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def formatted(self) -> str:
        if self.value is None:
            return "not computed"
        if self.unit == "%":
            return f"{self.value:.1f}%"
        if self.unit == "ratio":
            return f"{self.value:.2f}"
        shown = round(self.value, 1)
        return f"{shown:.1f} {self.unit}" if shown % 1 else f"{int(shown)} {self.unit}"


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    label: str
    unit: str
    definition: str
    standard: str | None = None
    standard_source: str | None = None
    thresholds: Thresholds | None = None


SPECS: dict[str, IndicatorSpec] = {s.id: s for s in (
    IndicatorSpec("four_hour_pct", "4-hour performance", "%",
                  "Attendances admitted, transferred or discharged within 4 hours of arrival, "
                  "as a share of all attendances",
                  "95% (NHS Constitution); at least 90% from September 2017",
                  "NHS Constitution; A&E Attendances and Emergency Admissions",
                  Thresholds(better="higher", green=95, amber=90)),
    IndicatorSpec("attendances_per_day", "ED attendances", "per day",
                  "Mean attendances a day over the period"),
    IndicatorSpec("admissions_per_day", "Emergency admissions", "per day",
                  "Mean emergency admissions a day over the period"),
    IndicatorSpec("occupancy_pct", "General and acute bed occupancy", "%",
                  "Occupied beds as a share of available beds, summed over the days",
                  "92% or less for planning; 85% or less for safety", "KH03; daily SitRep",
                  Thresholds(better="lower", green=85, amber=92)),
    IndicatorSpec("discharges_before_noon_pct", "Discharges before noon", "%",
                  "Discharges before 12:00 as a share of all discharges",
                  "33% (SAFER); 35% (NHS England 2015)", "SAFER patient flow bundle",
                  Thresholds(better="higher", green=33, amber=20)),
    IndicatorSpec("weekend_weekday_ratio", "Weekend to weekday discharge ratio", "ratio",
                  "(weekend discharges / weekend days) / (weekday discharges / weekdays)",
                  "0.6 or more (2015); amber bound is a local choice",
                  "Weekend discharge rapid improvement guide",
                  Thresholds(better="higher", green=0.6, amber=0.45)),
    IndicatorSpec("stranded_mean", "Stranded patients (mean)", "patients",
                  "Mean daily count of adult inpatients by length of stay (see definition)"),
    IndicatorSpec("super_stranded_mean", "Super-stranded patients (mean)", "patients",
                  "Mean daily count of adult inpatients with a length of stay of 21 days or more",
                  "Cut 21+ day stays by 25% by December 2018", "NHS Improvement long stays guide"),
    IndicatorSpec("handovers_over_30_per_day", "Ambulance handovers over 30 minutes", "per day",
                  "Mean handovers a day taking more than 30 minutes",
                  "None over 30 minutes", "NHS Standard Contract",
                  Thresholds(better="lower", green=0, amber=2)),
    IndicatorSpec("handovers_over_60_per_day", "Ambulance handovers over 60 minutes", "per day",
                  "Mean handovers a day taking more than 60 minutes",
                  "None over 30 minutes", "NHS Standard Contract",
                  Thresholds(better="lower", green=0, amber=0.5)),
    IndicatorSpec("dtoc_pct_occupied", "Delayed transfers of care", "%",
                  "Delayed days / days in period (DTOC beds), as a share of mean occupied beds",
                  "3.5% of occupied beds or less (September 2017)", "Monthly DTOC SitRep",
                  Thresholds(better="lower", green=3.5, amber=5)),
)}

# Figures entered by hand on the data screen (not in the daily extract).
MANUAL_SPECS: dict[str, IndicatorSpec] = {s.id: s for s in (
    IndicatorSpec("trolley_waits_4h", "Trolley waits over 4 hours", "patients",
                  "Decision to admit to admission over 4 hours, in the period"),
    IndicatorSpec("trolley_waits_12h", "Trolley waits over 12 hours", "patients",
                  "Decision to admit to admission over 12 hours, in the period",
                  "None (reportable)", "A&E Attendances and Emergency Admissions",
                  Thresholds(better="lower", green=0, amber=0)),
    IndicatorSpec("red_days_pct", "Red days", "%", "Red days as a share of patient days",
                  None, "Red2Green"),
    IndicatorSpec("d2a_pathway_0_pct", "Discharge to assess: pathway 0", "%",
                  "Share of discharges on pathway 0 (home, no new support)",
                  "About 50% (2020 guidance, to confirm)", "Discharge to Assess quick guide"),
    IndicatorSpec("d2a_pathway_1_pct", "Discharge to assess: pathway 1", "%",
                  "Share of discharges on pathway 1 (home with support)",
                  "About 45% (2020 guidance, to confirm)", "Discharge to Assess quick guide"),
    IndicatorSpec("d2a_pathway_2_pct", "Discharge to assess: pathway 2", "%",
                  "Share of discharges on pathway 2 (rehabilitation bed)",
                  "About 4% (2020 guidance, to confirm)", "Discharge to Assess quick guide"),
    IndicatorSpec("d2a_pathway_3_pct", "Discharge to assess: pathway 3", "%",
                  "Share of discharges on pathway 3 (care home)",
                  "About 1% (2020 guidance, to confirm)", "Discharge to Assess quick guide"),
)}


def is_weekend_day(day: date, bank_holidays_as_weekend: bool) -> bool:
    if day.weekday() >= 5:
        return True
    return bank_holidays_as_weekend and day in bank_holidays.england(day.year)


def period_text(rows: Sequence[DailyRow]) -> str:
    if not rows:
        return "no data"
    first, last = rows[0].day, rows[-1].day
    # The report's one date format: "4 September 2026".
    return f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y} ({len(rows)} days)"


def _sum(rows: Iterable[DailyRow], column: str) -> int | None:
    values = [r.counts[column] for r in rows if column in r.counts]
    return sum(values) if values else None


def _ratio(numerator: float | None, denominator: float | None, scale: float = 1.0) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator * scale


def _mean(rows: Sequence[DailyRow], column: str) -> float | None:
    values = [r.counts[column] for r in rows if column in r.counts]
    return sum(values) / len(values) if values else None


def _paired(rows: Iterable[DailyRow], a: str, b: str) -> list[DailyRow]:
    """Rows that have both columns: a share must not mix days that lack one side."""
    return [r for r in rows if a in r.counts and b in r.counts]


def compute(rows: Sequence[DailyRow], definitions: Definitions = Definitions()) -> list[Indicator]:
    """Every indicator the rows allow; those they don't are present with value None."""
    rows = sorted(rows, key=lambda r: r.day)
    period = period_text(rows)
    values: dict[str, float | None] = {}
    detail: dict[str, dict[str, Any]] = defaultdict(dict)

    four = _paired(rows, "within_4h", "attendances")
    values["four_hour_pct"] = _ratio(_sum(four, "within_4h"), _sum(four, "attendances"), 100)
    values["attendances_per_day"] = _mean(rows, "attendances")
    values["admissions_per_day"] = _mean(rows, "emergency_admissions")
    beds = _paired(rows, "occupied_beds", "available_beds")
    values["occupancy_pct"] = _ratio(_sum(beds, "occupied_beds"), _sum(beds, "available_beds"), 100)
    noon = _paired(rows, "discharges_before_noon", "discharges")
    values["discharges_before_noon_pct"] = _ratio(
        _sum(noon, "discharges_before_noon"), _sum(noon, "discharges"), 100)

    with_discharges = [r for r in rows if "discharges" in r.counts]
    weekend, weekday = [], []
    for r in with_discharges:
        (weekend if is_weekend_day(r.day, definitions.bank_holidays_as_weekend) else weekday).append(r)
    if weekend and weekday:
        per_weekend_day = sum(r.counts["discharges"] for r in weekend) / len(weekend)
        per_weekday = sum(r.counts["discharges"] for r in weekday) / len(weekday)
        values["weekend_weekday_ratio"] = _ratio(per_weekend_day, per_weekday)
        detail["weekend_weekday_ratio"] = {
            "weekend_days": len(weekend), "weekdays": len(weekday),
            "weekend_discharges_per_day": round(per_weekend_day, 2),
            "weekday_discharges_per_day": round(per_weekday, 2)}
    else:
        values["weekend_weekday_ratio"] = None

    values["stranded_mean"] = _mean(rows, "stranded_7d")
    values["super_stranded_mean"] = _mean(rows, "stranded_21d")
    values["handovers_over_30_per_day"] = _mean(rows, "ambulance_handovers_over_30")
    values["handovers_over_60_per_day"] = _mean(rows, "ambulance_handovers_over_60")
    delayed = [r for r in rows if "delayed_transfer_days" in r.counts]
    dtoc_beds = _ratio(_sum(delayed, "delayed_transfer_days"), len(delayed))
    values["dtoc_pct_occupied"] = _ratio(dtoc_beds, _mean(rows, "occupied_beds"), 100)
    if dtoc_beds is not None:
        detail["dtoc_pct_occupied"] = {"dtoc_beds": round(dtoc_beds, 2)}

    results = []
    for spec in SPECS.values():
        value = values.get(spec.id)
        definition = spec.definition
        if spec.id == "stranded_mean":
            definition = f"Mean daily count of adult inpatients with a {definitions.stranded_text}"
        if spec.id == "weekend_weekday_ratio":
            definition += ("; bank holidays counted as weekend days"
                           if definitions.bank_holidays_as_weekend
                           else "; bank holidays counted as weekdays")
        results.append(_indicator(spec, value, period, definition, definitions.source,
                                  detail.get(spec.id, {})))
    return results


def _indicator(spec: IndicatorSpec, value: float | None, period: str, definition: str,
               source: str | None, detail: dict[str, Any]) -> Indicator:
    rounded = None if value is None else round(value, 4)
    rag = spec.thresholds.rate(rounded) if (spec.thresholds and rounded is not None) else None
    return Indicator(id=spec.id, label=spec.label, value=rounded, unit=spec.unit, period=period,
                     definition=definition, standard=spec.standard,
                     source=source if spec.standard_source is None else
                     f"{source}; standard: {spec.standard_source}",
                     rag=rag, detail=detail)


def manual_indicator(indicator_id: str, value: float, period: str, source: str | None,
                     definition: str | None = None) -> Indicator:
    spec = MANUAL_SPECS[indicator_id]
    return _indicator(spec, value, period, definition or spec.definition, source or "Entered by hand", {})


def day_of_week_profile(rows: Sequence[DailyRow]) -> dict[str, dict[str, float | None]]:
    """Mean emergency admissions and discharges for each day of the week."""
    buckets: dict[int, list[DailyRow]] = defaultdict(list)
    for r in rows:
        buckets[r.day.weekday()].append(r)
    profile = {}
    for index, name in enumerate(WEEKDAY_NAMES):
        day_rows = buckets.get(index, [])
        profile[name] = {
            "admissions": _rounded(_mean(day_rows, "emergency_admissions")),
            "discharges": _rounded(_mean(day_rows, "discharges")),
        }
    return profile


def four_hour_by_week(rows: Sequence[DailyRow]) -> list[tuple[str, float]]:
    """4-hour % for each ISO week (label: the week's Monday), for the chart against 95%."""
    weeks: dict[date, list[DailyRow]] = defaultdict(list)
    for r in _paired(rows, "within_4h", "attendances"):
        weeks[r.day - timedelta(days=r.day.weekday())].append(r)
    series = []
    for monday in sorted(weeks):
        pct = _ratio(_sum(weeks[monday], "within_4h"), _sum(weeks[monday], "attendances"), 100)
        if pct is not None:
            series.append((monday.isoformat(), round(pct, 2)))
    return series


def stranded_trend(rows: Sequence[DailyRow]) -> list[tuple[str, int | None, int | None]]:
    return [(r.day.isoformat(), r.get("stranded_7d"), r.get("stranded_21d"))
            for r in sorted(rows, key=lambda r: r.day)
            if "stranded_7d" in r.counts or "stranded_21d" in r.counts]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
