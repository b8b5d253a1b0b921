"""Charts for the report's data deep dive, drawn with reportlab.graphics from plain
`ChartSpec`s: grouped bars (admissions against discharges by day of week) and lines
(4-hour % by week against 95%, the stranded trend). Each series has a colour and a name
in the legend, and a reference line carries its label in words, so nothing relies on
colour alone.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from visitapp.domain.report import ChartSpec
from visitapp.report import fonts

F, FB = fonts.REGULAR, fonts.BOLD
MIN_PT = 12
TEXT = colors.HexColor("#212B32")
GRID = colors.HexColor("#D8DDE0")
SECONDARY = colors.HexColor("#4C6272")
SERIES_COLOURS = [colors.HexColor("#005EB8"), colors.HexColor("#ED8B00"),
                  colors.HexColor("#330072"), colors.HexColor("#00A499")]
REFERENCE = colors.HexColor("#D5281B")
MAX_LABELS = 12  # category labels shown on the x axis; the rest are skipped


def draw_chart(spec: ChartSpec, width: float, height: float = 230) -> Drawing:
    d = Drawing(width, height, initialFontName=F, initialFontSize=MIN_PT)
    rotated = len(spec.categories) > 7
    left, bottom, right, top = 44, 84 if rotated else 58, 12, 14
    chart = VerticalBarChart() if spec.kind == "bars" else HorizontalLineChart()
    chart.x, chart.y = left, bottom
    chart.width, chart.height = width - left - right, height - bottom - top
    chart.data = [[0 if v is None else v for v in s.values] for s in spec.series] or [[0]]
    names = list(spec.categories) or [""]
    step = max(1, -(-len(names) // MAX_LABELS))
    chart.categoryAxis.categoryNames = [n if i % step == 0 else "" for i, n in enumerate(names)]
    chart.categoryAxis.labels.fontName = F
    chart.categoryAxis.labels.fontSize = MIN_PT
    chart.categoryAxis.labels.fillColor = TEXT
    if rotated:
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.strokeColor = GRID
    values = [v for s in spec.series for v in s.values if v is not None]
    top_value = max(values + ([spec.reference] if spec.reference is not None else []) or [1])
    low_value = min(values + ([spec.reference] if spec.reference is not None else []) or [0])
    chart.valueAxis.valueMin = 0 if low_value >= 0 and spec.unit != "%" else _floor(low_value)
    if spec.unit == "%":
        chart.valueAxis.valueMin = max(0, _floor(low_value - 5))
        chart.valueAxis.valueMax = 100
    else:
        chart.valueAxis.valueMax = _ceil(top_value * 1.1)
    chart.valueAxis.labels.fontName = F
    chart.valueAxis.labels.fontSize = MIN_PT
    chart.valueAxis.labels.fillColor = SECONDARY
    chart.valueAxis.strokeColor = GRID
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.labelTextFormat = "%d%%" if spec.unit == "%" else "%d"
    for i, _ in enumerate(spec.series):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        if spec.kind == "bars":
            chart.bars[i].fillColor = colour
            chart.bars[i].strokeColor = None
        else:
            chart.lines[i].strokeColor = colour
            chart.lines[i].strokeWidth = 2
            chart.lines[i].symbol = makeMarker("FilledCircle", size=4, fillColor=colour)
    if spec.kind == "bars":
        chart.barSpacing = 2
        chart.groupSpacing = 10
    d.add(chart)
    if spec.reference is not None:
        vmin, vmax = chart.valueAxis.valueMin, chart.valueAxis.valueMax
        y = bottom + (spec.reference - vmin) / (vmax - vmin) * chart.height
        d.add(Line(left, y, left + chart.width, y, strokeColor=REFERENCE, strokeWidth=1.5,
                   strokeDashArray=[4, 3]))
        label = spec.reference_label or f"Standard {spec.reference:g}"
        d.add(String(left + chart.width - 2, y + 3, label, fontName=FB, fontSize=MIN_PT,
                     fillColor=REFERENCE, textAnchor="end"))
    d.add(legend(left, 10, [(SERIES_COLOURS[i % len(SERIES_COLOURS)], s.name)
                            for i, s in enumerate(spec.series)], spacing=150))
    return d


def legend(x: float, y: float, pairs: list[tuple[colors.Color, str]], spacing: float) -> Legend:
    """One row of colour swatches, each named in words."""
    key = Legend()
    key.x, key.y = x, y
    key.alignment = "right"
    key.columnMaximum = 1
    key.fontName = F
    key.fontSize = MIN_PT
    key.fillColor = TEXT
    key.dx = key.dy = 10
    key.deltax = spacing
    key.colorNamePairs = pairs
    return key


def _ceil(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if value / step <= 8:
            return max(step, -(-value // step) * step)
    return value


def _floor(value: float) -> float:
    return (value // 5) * 5
