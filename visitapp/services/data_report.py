"""The data deep dive appendix of the feedback report: indicators, the follow-up
comparison and three charts, as plain report-model data (no reportlab here)."""

from __future__ import annotations

from datetime import date

from visitapp.domain.indicators import WEEKDAY_NAMES
from visitapp.errors import NotFound
from visitapp.services.metrics import MetricsService
from visitapp.services.report_model import ChartSeries, ChartSpec, DataTable, ExtraSection

RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green", None: "Not rated"}


def data_appendix(metrics: MetricsService, visit_id: str) -> ExtraSection | None:
    """The appendix, or None when the visit has no data to show."""
    indicators = [i for i in metrics.indicators(visit_id) if i.value is not None]
    if not indicators:
        return None
    period = indicators[0].period
    tables = [DataTable(
        header=["Indicator", "Value", "Standard", "Rating"],
        rows=[[i.label, i.formatted(), i.standard or "No national standard",
               RAG_WORDS.get(i.rag, "Not rated")] for i in indicators])]
    paragraphs = [
        f"Figures from the data shared for the visit: {period}. Each figure is computed from "
        "the daily extract; ratings compare it with the national standard. Definitions and "
        "sources follow the charts."]
    definitions = [f"{i.label}: {i.definition}. Source: {i.source or 'not recorded'}."
                   for i in indicators]
    if metrics.visits.load(visit_id).follows_visit_id:
        try:
            comparison = metrics.compare_with_earlier(visit_id)
        except NotFound as problem:
            paragraphs.append(f"No comparison with the earlier visit: {problem}.")
        else:
            rows = [[c.label, _show(c.before), _show(c.after),
                     "" if c.delta is None else f"{c.delta:+.1f}"] for c in comparison.indicators]
            rows += [[f"{c.label} (overall RAG)", RAG_WORDS.get(c.before, "-"),
                      RAG_WORDS.get(c.after, "-"), ""] for c in comparison.areas]
            tables.append(DataTable(
                header=[f"Since the visit of {comparison.earlier_date}", "Then", "Now", "Change"],
                rows=rows))
    return ExtraSection(title="Data deep dive", paragraphs=paragraphs, tables=tables,
                        charts=charts(metrics, visit_id), notes=definitions)


def charts(metrics: MetricsService, visit_id: str) -> list[ChartSpec]:
    series = metrics.charts(visit_id)
    out: list[ChartSpec] = []
    profile = series["day_of_week"]
    if any(v["admissions"] is not None or v["discharges"] is not None for v in profile.values()):
        out.append(ChartSpec(
            kind="bars", title="Emergency admissions and discharges by day of the week (mean a day)",
            categories=list(WEEKDAY_NAMES),
            series=[ChartSeries("Emergency admissions", [profile[d]["admissions"] for d in WEEKDAY_NAMES]),
                    ChartSeries("Discharges", [profile[d]["discharges"] for d in WEEKDAY_NAMES])]))
    weekly = series["four_hour_by_week"]
    if weekly:
        out.append(ChartSpec(
            kind="lines", title="4-hour performance by week",
            categories=[_day_month(w) for w, _ in weekly], unit="%",
            series=[ChartSeries("Seen within 4 hours", [v for _, v in weekly])],
            reference=95, reference_label="Standard 95%"))
    trend = series["stranded_trend"]
    if trend:
        out.append(ChartSpec(
            kind="lines", title="Stranded and super-stranded patients",
            categories=[_day_month(d) for d, _, _ in trend],
            series=[ChartSeries("Stranded (7 days or more)", [s for _, s, _ in trend]),
                    ChartSeries("Super-stranded (21 days or more)", [x for _, _, x in trend])]))
    return out


def _day_month(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%-d %b")


def _show(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if value % 1 else f"{int(value)}"
