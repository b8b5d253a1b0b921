"""The data deep dive: indicators with their standards and RAG ratings, the definitions
chosen, figures entered by hand, a daily extract imported from a CSV file, three charts
(each with its summary in words beside it), and the changes since an earlier visit."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import flet as ft
import flet_charts as fch

from visitapp.domain import indicators as ind
from visitapp.errors import NotFound, UserError
from visitapp.ui import theme
from visitapp.ui import viewmodels as vm
from visitapp.ui.layout import appbar, card, view
from visitapp.ui.widgets import BODY, SMALL, ChoiceGroup, SavingField, button, heading, sem

ADMISSIONS_COLOUR = theme.NHS_BLUE
DISCHARGES_COLOUR = "#00A499"  # NHS aqua green
SUPER_COLOUR = "#AE2573"  # NHS dark pink
CHART_HEIGHT = 250
TIP_STYLE = ft.TextStyle(color=theme.WHITE, size=13, weight=ft.FontWeight.W_600)


def parse_figure(text: str) -> float | None:
    """A hand-entered figure: '12', '12.5', '12%' or '1,200'; empty clears it."""
    cleaned = text.strip().rstrip("%").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        raise UserError(f"{text.strip()!r} is not a number: type digits, like 12 or 4.5") \
            from None


def legend(*entries: tuple[str, str, bool]) -> ft.Row:
    """Colour keys with their words (a dashed key for a reference line)."""
    items: list[ft.Control] = []
    for colour, words, dashed in entries:
        key = ft.Container(width=22, height=4 if dashed else 12, bgcolor=colour,
                           border_radius=2)
        items.append(ft.Row([key, ft.Text(words, size=SMALL, color=theme.NHS_TEXT)], spacing=6,
                            tight=True))
    return ft.Row(items, spacing=16, wrap=True)


def axis_labels(labels: list[tuple[int, str]]) -> list[fch.ChartAxisLabel]:
    return [fch.ChartAxisLabel(value=x, label=ft.Text(t, size=12, color=theme.NHS_TEXT))
            for x, t in labels]


def nice_step(span: float) -> float | None:
    """A round interval giving about five lines over `span`."""
    if span <= 0:
        return None
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if span / step <= 6:
            return step
    return None


def nice_top(value: float) -> int:
    """A round ceiling a little above `value`."""
    step = nice_step(value * 1.1) or 10
    return int(-(-value * 1.05 // step) * step) or 10


def every(n_points: int, most: int = 7) -> int:
    return max(1, -(-n_points // most))


def day_of_week_chart(profile: dict[str, dict[str, float | None]]) -> ft.Control:
    groups = []
    top = 0.0
    for x, day in enumerate(ind.WEEKDAY_NAMES):
        values = profile.get(day, {})
        rods = []
        for key, colour in (("admissions", ADMISSIONS_COLOUR), ("discharges", DISCHARGES_COLOUR)):
            v = values.get(key)
            top = max(top, v or 0)
            rods.append(fch.BarChartRod(to_y=v or 0, width=14, color=colour, border_radius=2,
                                        tooltip=fch.BarChartRodTooltip(
                                            text=f"{day} {key}: {vm.figure_text(v)}",
                                            text_style=TIP_STYLE)))
        groups.append(fch.BarChartGroup(x=x, rods=rods, spacing=4))
    return fch.BarChart(
        groups=groups, height=CHART_HEIGHT, min_y=0, max_y=nice_top(top),
        interactive=True, tooltip=fch.BarChartTooltip(bgcolor=theme.NHS_TEXT),
        horizontal_grid_lines=fch.ChartGridLines(color=theme.NHS_PALE_GREY, width=1),
        left_axis=fch.ChartAxis(label_size=40, label_spacing=nice_step(nice_top(top))),
        bottom_axis=fch.ChartAxis(label_size=28, labels=axis_labels(
            list(enumerate(ind.WEEKDAY_NAMES)))),
    )


def line_chart(series: list[tuple[str, list[float | None]]], categories: list[str], *,
               reference: float | None = None, min_y: float | None = None,
               max_y: float | None = None) -> ft.Control:
    colours = [ADMISSIONS_COLOUR, SUPER_COLOUR]
    data = []
    for (name, values), colour in zip(series, colours, strict=False):
        points = [fch.LineChartDataPoint(x=i, y=v, tooltip=fch.LineChartDataPointTooltip(
                      text=f"{name}, {categories[i]}: {vm.figure_text(v)}", text_style=TIP_STYLE))
                  for i, v in enumerate(values) if v is not None]
        data.append(fch.LineChartData(points=points, color=colour, stroke_width=3,
                                      point=len(points) <= 20))
    if reference is not None and categories:
        data.append(fch.LineChartData(
            points=[fch.LineChartDataPoint(x=0, y=reference, show_tooltip=False),
                    fch.LineChartDataPoint(x=len(categories) - 1, y=reference,
                                           show_tooltip=False)],
            color=theme.NHS_RED, stroke_width=2, dash_pattern=[6, 4]))
    step = every(len(categories))
    span = (max_y or 0) - (min_y or 0)
    return fch.LineChart(
        data_series=data, height=CHART_HEIGHT, min_y=min_y, max_y=max_y, min_x=0,
        max_x=max(1, len(categories) - 1), interactive=True,
        tooltip=fch.LineChartTooltip(bgcolor=theme.NHS_TEXT, max_width=220),
        horizontal_grid_lines=fch.ChartGridLines(color=theme.NHS_PALE_GREY, width=1),
        left_axis=fch.ChartAxis(label_size=40, label_spacing=nice_step(span), show_min=False),
        bottom_axis=fch.ChartAxis(label_size=28, label_spacing=step, labels=axis_labels(
            [(i, c) for i, c in enumerate(categories) if i % step == 0])),
    )


class DataScreen:
    def __init__(self, app: Any, visit_id: str) -> None:
        self.app = app
        self.visit_id = visit_id
        self.route = f"/visit/{visit_id}/data"
        self.state = app.services.visits.load(visit_id)
        metrics = app.services.metrics
        d = metrics.definitions(visit_id)
        self.stranded = ChoiceGroup("def-stranded", vm.STRANDED_CHOICES, d.stranded,
                                    self._pick_stranded, label="Stranded means a stay of")
        self.holidays = ChoiceGroup("def-holidays", vm.BANK_HOLIDAY_CHOICES,
                                    "yes" if d.bank_holidays_as_weekend else "no",
                                    self._pick_holidays, label="Bank holidays")
        self.import_btn = button("import-csv", "Import a daily extract (CSV)", self._import,
                                 icon=ft.Icons.UPLOAD_FILE, primary=True)
        self.import_result = ft.Text("", size=BODY)
        self.import_box = sem("import-result", self.import_result, visible=False)
        self.period = ft.Text("", size=BODY)
        self.indicators = ft.ResponsiveRow(spacing=12, run_spacing=12)
        self.manual_fields: dict[str, SavingField] = {}
        self.manual_errors: dict[str, ft.Text] = {}
        manual_rows: list[ft.Control] = []
        for spec in ind.MANUAL_SPECS.values():
            field = SavingField(f"manual-{spec.id}", spec.label, "",
                                lambda text, i=spec.id: self._save_manual(i, text),
                                keyboard=ft.KeyboardType.NUMBER,
                                suffix="%" if spec.unit == "%" else spec.unit,
                                hint=spec.definition, on_error=lambda err, i=spec.id:
                                self._manual_error(i, err))
            self.manual_fields[spec.id] = field
            error = ft.Text("", size=SMALL, color=theme.NHS_RED)
            error_box = sem(f"manual-{spec.id}-error", error, visible=False)
            error.data = error_box
            self.manual_errors[spec.id] = error
            manual_rows.append(ft.Column([field.control, error_box], spacing=2,
                                         horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                                         col={"xs": 12, "sm": 6}))
        self.charts = ft.Column(spacing=14)
        self.comparison = ft.Column(spacing=6)
        self.comparison_card = card(ft.Column(spacing=8, controls=[
            heading("Since the earlier visit", 19), sem("comparison", self.comparison)]),
            visible=bool(self.state.follows_visit_id))

        self.list = ft.ListView(expand=True, spacing=14, padding=ft.Padding.only(bottom=24),
                                controls=[
            card(ft.Column(spacing=10, controls=[
                heading("Daily extract", 19),
                ft.Text("One row a day: date, attendances, within_4h, emergency_admissions, "
                        "discharges and the other columns of the data contract. Bad lines "
                        "are skipped and listed; nothing about patients is in it.",
                        size=SMALL, color=theme.NHS_SECONDARY_TEXT),
                self.import_btn, self.import_box,
                sem("data-period", self.period)])),
            heading("Indicators", 20), self.indicators,
            self.comparison_card,
            heading("Charts", 20), self.charts,
            card(ft.Column(spacing=10, controls=[
                heading("Definitions", 19),
                ft.Text("Stranded patients are counted with a stay of", size=BODY,
                        weight=ft.FontWeight.W_600), self.stranded,
                ft.Text("Bank holidays in the weekend to weekday discharge ratio", size=BODY,
                        weight=ft.FontWeight.W_600), self.holidays])),
            card(ft.Column(spacing=10, controls=[
                heading("Figures entered by hand", 19),
                ft.Text("Figures that are not in the daily extract. Leave a field empty to "
                        "clear it.", size=SMALL, color=theme.NHS_SECONDARY_TEXT),
                ft.ResponsiveRow(manual_rows, spacing=12, run_spacing=8)])),
        ])
        self.view = view(self.route, appbar(app, "Data deep dive", self.state.title),
                         [self.list])
        self._fill()

    def refresh(self) -> None:
        self.state = self.app.services.visits.load(self.visit_id)
        self._fill()

    def leave(self) -> None:
        for f in self.manual_fields.values():
            f.commit()

    def _author(self) -> str | None:
        return self.app.author(self.visit_id)

    # --- showing -----------------------------------------------------------------------

    def _fill(self) -> None:
        metrics = self.app.services.metrics
        indicators = metrics.indicators(self.visit_id)
        computed = [i for i in indicators if i.id not in ind.MANUAL_SPECS]
        periods = {i.period for i in computed if i.value is not None}
        self.period.value = (f"Period of the daily figures: {', '.join(sorted(periods))}."
                             if periods else "No daily figures yet: import a daily extract.")
        shown = [i for i in indicators if i.value is not None or i.id not in ind.MANUAL_SPECS]
        self.indicators.controls = [self._indicator(i) for i in shown]
        manual = {i.id: i for i in indicators if i.id in ind.MANUAL_SPECS}
        for iid, f in self.manual_fields.items():
            if f.value != f._saved:  # being typed: leave it alone
                continue
            value = manual[iid].value if iid in manual else None
            f.set_value("" if value is None else vm.figure_text(value))
        self._fill_charts(metrics.charts(self.visit_id))
        self._fill_comparison()

    def _indicator(self, i: ind.Indicator) -> ft.Control:
        rag = vm.RAG_BY_VALUE.get(i.rag or "")
        if rag is None:
            badge = ft.Container(ft.Text("Not rated", size=SMALL, color=theme.NHS_TEXT),
                                 border=ft.Border.all(1, theme.NHS_MID_GREY), border_radius=12,
                                 padding=ft.Padding.symmetric(horizontal=10, vertical=4))
        else:
            badge = ft.Container(ft.Text(rag.label, size=SMALL, color=rag.on_colour,
                                         weight=ft.FontWeight.BOLD),
                                 bgcolor=rag.colour, border_radius=12,
                                 padding=ft.Padding.symmetric(horizontal=10, vertical=4))
        standard = i.standard or "No national standard"
        words = (f"{i.label}: {i.formatted()}. Rating: {vm.rag_word(i.rag)}. "
                 f"Standard: {standard}.")
        box = card(ft.Column(spacing=6, controls=[
            ft.Text(i.label, size=BODY, weight=ft.FontWeight.BOLD, color=theme.NHS_DARK_BLUE),
            ft.Row([ft.Text(i.formatted(), size=24, weight=ft.FontWeight.BOLD,
                            color=theme.NHS_TEXT), badge],
                   wrap=True, spacing=12, run_spacing=4,
                   vertical_alignment=ft.CrossAxisAlignment.CENTER),
            ft.Text(f"Standard: {standard}", size=SMALL, color=theme.NHS_TEXT),
            ft.Text(f"{i.period} · {i.source or 'source not recorded'}", size=SMALL,
                    color=theme.NHS_SECONDARY_TEXT),
        ]))
        return ft.Semantics(identifier=f"ind-{i.id}", label=words, container=True,
                            exclude_semantics=True, content=box,
                            col={"xs": 12, "sm": 6, "lg": 4})

    def _chart_block(self, ident: str, title: str, chart: ft.Control, key: ft.Control,
                     summary: str) -> ft.Control:
        return card(ft.Column(spacing=10, controls=[
            heading(title, 18),
            ft.ResponsiveRow(spacing=16, run_spacing=10,
                             vertical_alignment=ft.CrossAxisAlignment.START, controls=[
                ft.Column([chart, key], spacing=8, col={"xs": 12, "md": 8}),
                ft.Container(sem(f"{ident}-summary", ft.Text(summary, size=BODY)),
                             col={"xs": 12, "md": 4}, bgcolor=theme.NHS_GREY_BG, padding=12,
                             border_radius=6),
            ])]))

    def _fill_charts(self, series: dict[str, Any]) -> None:
        blocks: list[ft.Control] = []
        profile = series["day_of_week"]
        if any(v["admissions"] is not None or v["discharges"] is not None
               for v in profile.values()):
            blocks.append(self._chart_block(
                "chart-days", "Emergency admissions and discharges by day of the week",
                day_of_week_chart(profile),
                legend((ADMISSIONS_COLOUR, "Emergency admissions (mean a day)", False),
                       (DISCHARGES_COLOUR, "Discharges (mean a day)", False)),
                vm.day_of_week_summary(profile)))
        weekly = series["four_hour_by_week"]
        if weekly:
            values = [v for _, v in weekly]
            low = min(min(values), 95.0)
            blocks.append(self._chart_block(
                "chart-four-hour", "4-hour performance by week against the 95% standard",
                line_chart([("4-hour %", values)], [vm.day_month(w) for w, _ in weekly],
                           reference=95, min_y=max(0, int(low // 5) * 5 - 5), max_y=100),
                legend((ADMISSIONS_COLOUR, "Seen within 4 hours (% a week)", False),
                       (theme.NHS_RED, "Standard 95%", True)),
                vm.four_hour_summary(weekly)))
        trend = series["stranded_trend"]
        if trend:
            stranded = [s for _, s, _ in trend]
            super_ = [x for _, _, x in trend]
            top = max([v for v in stranded + super_ if v is not None] or [10])
            blocks.append(self._chart_block(
                "chart-stranded", "Stranded and super-stranded patients",
                line_chart([("Stranded", stranded), ("Super-stranded", super_)],
                           [vm.day_month(d) for d, _, _ in trend], min_y=0,
                           max_y=nice_top(top)),
                legend((ADMISSIONS_COLOUR, "Stranded (7 days or more)", False),
                       (SUPER_COLOUR, "Super-stranded (21 days or more)", False)),
                vm.stranded_summary(trend)))
        if not blocks:
            blocks.append(sem("charts-empty", ft.Text(
                "No charts yet: they come from the daily extract.", size=BODY,
                color=theme.NHS_SECONDARY_TEXT)))
        self.charts.controls = blocks

    def _fill_comparison(self) -> None:
        if not self.state.follows_visit_id:
            self.comparison_card.visible = False
            return
        self.comparison_card.visible = True
        try:
            c = self.app.services.metrics.compare_with_earlier(self.visit_id)
        except NotFound as err:
            text = str(err)
            self.comparison.controls = [ft.Text(text[:1].upper() + text[1:] + ".", size=BODY)]
            return
        lines = [ft.Text(f"Compared with the visit of {c.earlier_date or 'an unknown date'}.",
                         size=BODY, weight=ft.FontWeight.W_600)]
        lines += [ft.Text(vm.change_text(x.label, x.before, x.after), size=BODY)
                  for x in c.indicators]
        lines += [ft.Text(vm.change_text(f"{x.label} (area rating)", x.before, x.after,
                                         rag=True), size=BODY) for x in c.areas]
        if len(lines) == 1:
            lines.append(ft.Text("No figures or areas to compare yet.", size=BODY))
        self.comparison.controls = lines

    # --- changing ----------------------------------------------------------------------

    def _pick_stranded(self, value: str) -> None:
        self._set_definitions(stranded=value)
        self.stranded.show(value)

    def _pick_holidays(self, value: str) -> None:
        self._set_definitions(bank_holidays_as_weekend=value == "yes")
        self.holidays.show(value)

    def _set_definitions(self, **kw: Any) -> None:
        try:
            self.app.services.metrics.set_definitions(self.visit_id, author=self._author(), **kw)
        except UserError as err:
            self.app.problem(err)
            return
        self.app.mark_saved("definition")
        self._fill()

    def _save_manual(self, indicator_id: str, text: str) -> None:
        value = parse_figure(text)
        self.app.services.metrics.set_manual(self.visit_id, indicator_id, value,
                                             author=self._author())
        self.manual_errors[indicator_id].data.visible = False
        self.app.mark_saved("figure")
        self._fill()

    def _manual_error(self, indicator_id: str, err: Exception) -> None:
        error = self.manual_errors[indicator_id]
        error.value, error.data.visible = f"Not saved: {vm.user_words(err, capital=False)}", True

    async def _import(self, e: ft.ControlEvent) -> None:
        try:
            files = await self.app.file_picker.pick_files(
                dialog_title="Choose the daily extract (CSV)",
                file_type=ft.FilePickerFileType.CUSTOM, allowed_extensions=["csv", "txt"],
                with_data=True)
        except Exception as err:  # noqa: BLE001 - no picker on this platform
            self.app.toast(f"Files cannot be picked here: {err}")
            return
        if not files:
            return
        f = files[0]
        data = f.bytes
        if data is None and f.path:
            data = await asyncio.to_thread(Path(f.path).read_bytes)
        if data is None:
            self._show_import("That file could not be read. Try another.", ok=False)
            return
        self._show_import(f"Importing {f.name}…", ok=True)
        self.app.page.update()
        try:
            result = await asyncio.to_thread(self._import_bytes, data, f.name or "extract.csv")
        except UserError as err:
            self._show_import(f"Nothing was imported: {err}", ok=False)
            self.app.page.update()  # this handler already sent an update: send this one too
            return
        lines = [f"{f.name}: {vm.import_summary(result.taken, result.unchanged, len(result.skipped))}"]
        lines += [f"Skipped {s}" for s in result.skipped[:10]]
        if len(result.skipped) > 10:
            lines.append(f"… and {len(result.skipped) - 10} more lines skipped.")
        lines += [f"Note: {n}" for n in result.notes]
        self._show_import("\n".join(lines), ok=bool(result.taken or result.unchanged))
        self.app.mark_saved("daily extract")
        self._fill()
        self.app.page.update()

    def _import_bytes(self, data: bytes, name: str) -> Any:
        with tempfile.TemporaryDirectory(prefix="visitapp-csv-") as tmp:
            path = Path(tmp) / "extract.csv"
            path.write_bytes(data)
            try:
                return self.app.services.metrics.import_extract(self.visit_id, path,
                                                                author=self._author())
            except UserError as err:  # the message names the temporary file: say the file
                raise UserError(str(err).replace(f"{path}: ", "")) from None

    def _show_import(self, text: str, ok: bool) -> None:
        self.import_result.value = text
        self.import_result.color = theme.NHS_TEXT if ok else theme.NHS_RED
        self.import_box.visible = True
