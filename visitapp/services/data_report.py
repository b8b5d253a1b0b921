"""The data for the feedback report, computed once from the visit's stored figures:
the indicators (for the headline strip and Appendix B), the follow-up comparison and
three charts, each with a one-line summary in words. Plain report-model data, no
reportlab here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from visitapp.domain import indicators as ind
from visitapp.domain.key_messages import follow_up_from, show_value
from visitapp.domain.report import ChartSeries, ChartSpec, DataTable, ExtraSection, FollowUp
from visitapp.domain.visit import VisitState
from visitapp.domain.wording import RAG_WORDS, format_date, plural
from visitapp.errors import NotFound
from visitapp.services.metrics import MetricsService

APPENDIX_TITLE = "Data deep dive"


@dataclass(frozen=True)
class DataPack:
    indicators: list[ind.Indicator]
    appendix: ExtraSection | None
    follow_up: FollowUp | None


def data_pack(metrics: MetricsService, state: VisitState) -> DataPack:
    """Everything the report needs from the figures, reading them from the store once."""
    rows = metrics.rows(state.id)
    indicators = [i for i in metrics.indicators_from(state.id, rows) if i.value is not None]
    follow_up = _follow_up(metrics, state, indicators) if state.follows_visit_id else None
    if not indicators and follow_up is None:
        return DataPack(indicators, None, None)
    return DataPack(indicators, _appendix(indicators, rows, follow_up), follow_up)


def data_appendix(metrics: MetricsService, visit_id: str) -> ExtraSection | None:
    """The appendix block alone, or None when the visit has no data to show."""
    return data_pack(metrics, metrics.visits.load(visit_id)).appendix


def _follow_up(metrics: MetricsService, state: VisitState,
               current: list[ind.Indicator]) -> FollowUp:
    try:
        comparison = metrics.compare_with_earlier(state.id, state=state, current=current)
    except NotFound as problem:
        return follow_up_from(None, [], [], problem=str(problem))
    units = {i.id: i.unit for i in current}
    return follow_up_from(
        comparison.earlier_date,
        [(c.id, c.label, units.get(c.id, ""), c.before, c.after)
         for c in comparison.indicators],
        [(c.label, c.before, c.after) for c in comparison.areas])


def _appendix(indicators: list[ind.Indicator], rows: list[ind.DailyRow],
              follow_up: FollowUp | None) -> ExtraSection:
    tables: list[DataTable] = []
    paragraphs: list[str] = []
    if follow_up is not None:
        if follow_up.problem:
            paragraphs.append(f"No comparison with the earlier visit: {follow_up.problem}.")
        elif follow_up.rows:
            tables.append(DataTable(
                title=f"Change since our visit on {follow_up.earlier_date_text}",
                header=["Measure", "Then", "Now", "Change", "Better or worse"],
                rows=[[r.label, r.before, r.after, r.change, (r.verdict or "no direction")]
                      for r in follow_up.rows], verdict_column=4))
    if indicators:
        paragraphs.append(
            f"Figures from the data shared for the visit: {indicators[0].period}. Each figure "
            "is computed from the daily extract; ratings compare it with the national "
            "standard. Definitions and sources follow the charts.")
        tables.append(DataTable(
            title="Indicators",
            header=["Indicator", "Value", "Standard", "Rating"],
            rows=[[i.label, show_value(i.id, i.value, i.unit),
                   i.standard or "No national standard", RAG_WORDS.get(i.rag or "", "Not rated")]
                  for i in indicators], rag_column=3))
    definitions = [f"{i.label}: {i.definition}. Source: {i.source or 'not recorded'}."
                   for i in indicators]
    return ExtraSection(title=APPENDIX_TITLE, paragraphs=paragraphs, tables=tables,
                        charts=charts(rows), notes=definitions)


def charts(rows: list[ind.DailyRow]) -> list[ChartSpec]:
    out: list[ChartSpec] = []
    profile = ind.day_of_week_profile(rows)
    if any(v["admissions"] is not None or v["discharges"] is not None for v in profile.values()):
        out.append(ChartSpec(
            kind="bars", title="Emergency admissions and discharges by day of the week (mean a day)",
            categories=list(ind.WEEKDAY_NAMES),
            series=[ChartSeries("Emergency admissions",
                                [profile[d]["admissions"] for d in ind.WEEKDAY_NAMES]),
                    ChartSeries("Discharges", [profile[d]["discharges"] for d in ind.WEEKDAY_NAMES])],
            summary=_week_summary(profile)))
    weekly = ind.four_hour_by_week(rows)
    if weekly:
        out.append(ChartSpec(
            kind="lines", title="4-hour performance by week",
            categories=[_day_month(w) for w, _ in weekly], unit="%",
            series=[ChartSeries("Seen within 4 hours", [v for _, v in weekly])],
            reference=95, reference_label="Standard 95%", summary=_four_hour_summary(weekly)))
    trend = ind.stranded_trend(rows)
    if trend:
        out.append(ChartSpec(
            kind="lines", title="Stranded and super-stranded patients",
            categories=[_day_month(d) for d, _, _ in trend],
            series=[ChartSeries("Stranded (7 days or more)", [s for _, s, _ in trend]),
                    ChartSeries("Super-stranded (21 days or more)", [x for _, _, x in trend])],
            summary=_stranded_summary(trend)))
    return out


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _week_summary(profile: dict[str, dict[str, float | None]]) -> str:
    weekday = [v["discharges"] for d, v in profile.items()
               if d not in ("Sat", "Sun") and v["discharges"] is not None]
    weekend = [v["discharges"] for d, v in profile.items()
               if d in ("Sat", "Sun") and v["discharges"] is not None]
    admissions = [v["admissions"] for v in profile.values() if v["admissions"] is not None]
    if not weekday or not weekend:
        return "Admissions and discharges a day, by day of the week."
    text = (f"Discharges fall from {_mean(weekday):.0f} a day on weekdays to "  # type: ignore[arg-type]
            f"{_mean(weekend):.0f} at weekends")  # type: ignore[arg-type]
    if admissions:
        text += f", while admissions stay near {_mean(admissions):.0f} a day"  # type: ignore[arg-type]
    return text + "."


def _four_hour_summary(weekly: list[tuple[str, float]]) -> str:
    met = sum(1 for _, v in weekly if v >= 95)
    best = max(weekly, key=lambda x: x[1])
    last = weekly[-1]
    lead = ("No week met" if met == 0 else f"{met} of {plural(len(weekly), 'week')} met")
    return (f"{lead} the 95% standard; the best was {best[1]:.1f}% (week of "
            f"{format_date(best[0])}) and the latest {last[1]:.1f}%.")


def _stranded_summary(trend: list[tuple[str, int | None, int | None]]) -> str:
    stranded = [s for _, s, _ in trend if s is not None]
    sup = [x for _, _, x in trend if x is not None]
    if not stranded:
        return "Daily counts of long-stay patients."
    text = f"On average {_mean(stranded):.0f} patients a day had stayed 7 days or more"  # type: ignore[arg-type]
    if sup:
        text += f", {_mean(sup):.0f} of them 21 days or more"  # type: ignore[arg-type]
    return text + "."


def _day_month(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%-d %b")
