"""Small line charts drawn on the server as SVG, each with a summary in words.

The chart is decoration for sighted readers (`aria-hidden`); its summary and the data table
beside it on the page carry the same figures for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 640, 240, 48, 16, 16, 40
NHS_BLUE, GREY, TARGET = "#005eb8", "#aeb7bd", "#d5281b"


@dataclass(frozen=True)
class Chart:
    svg: str
    summary: str


def _fmt(value: float, unit: str) -> str:
    return f"{value:.2f}%" if unit == "%" else f"{value:,.2f}".rstrip("0").rstrip(".")


def line_chart(title: str, points: list[tuple[str, float | None]], unit: str = "",
               target: float | None = None, target_label: str = "") -> Chart:
    shown = [(label, v) for label, v in points if v is not None]
    if not shown:
        return Chart("", f"{title}: no figures yet.")
    values = [v for _l, v in shown] + ([target] if target is not None else [])
    low, high = min(values), max(values)
    if high == low:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - span * 0.1, high + span * 0.1
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + (plot_w * i / max(1, len(shown) - 1) if len(shown) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - (v - low) / (high - low))

    parts = [f'<svg class="office-chart" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" aria-hidden="true" '
             f'focusable="false">',
             f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{WIDTH - PAD_R}" '
             f'y2="{PAD_T + plot_h}" stroke="{GREY}"/>',
             f'<text x="4" y="{PAD_T + 10}" font-size="12" fill="#212b32">'
             f'{escape(_fmt(high, unit))}</text>',
             f'<text x="4" y="{PAD_T + plot_h}" font-size="12" fill="#212b32">'
             f'{escape(_fmt(low, unit))}</text>']
    if target is not None:
        parts.append(f'<line x1="{PAD_L}" y1="{y(target):.1f}" x2="{WIDTH - PAD_R}" '
                     f'y2="{y(target):.1f}" stroke="{TARGET}" stroke-dasharray="6 4"/>'
                     f'<text x="{WIDTH - PAD_R - 4}" y="{y(target) - 4:.1f}" font-size="12" '
                     f'text-anchor="end" fill="{TARGET}">{escape(target_label)}</text>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}"
                    for i, (_l, v) in enumerate(shown))
    parts.append(f'<path d="{path}" fill="none" stroke="{NHS_BLUE}" stroke-width="3"/>')
    step = max(1, len(shown) // 6)
    for i, (label, v) in enumerate(shown):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{NHS_BLUE}"/>')
        if i % step == 0 or i == len(shown) - 1:
            anchor = "end" if i == len(shown) - 1 and len(shown) > 1 else "middle"
            parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" font-size="12" '
                         f'text-anchor="{anchor}" fill="#212b32">{escape(label)}</text>')
    parts.append("</svg>")
    return Chart("".join(parts), _summary(title, shown, unit, target, target_label))


def _summary(title: str, shown: list[tuple[str, float]], unit: str, target: float | None,
             target_label: str) -> str:
    first_label, first = shown[0]
    last_label, last = shown[-1]
    if len(shown) == 1:
        text = f"{title}: {_fmt(last, unit)} in {last_label}, the only figure so far."
    else:
        direction = "up" if last > first else "down" if last < first else "unchanged"
        best = max(shown, key=lambda p: p[1])
        worst = min(shown, key=lambda p: p[1])
        text = (f"{title}: {_fmt(last, unit)} in {last_label}, {direction} from "
                f"{_fmt(first, unit)} in {first_label}; highest {_fmt(best[1], unit)} "
                f"({best[0]}), lowest {_fmt(worst[1], unit)} ({worst[0]}).")
    if target is not None:
        below = sum(1 for _l, v in shown if v < target)
        text += f" {below} of {len(shown)} below {target_label or _fmt(target, unit)}."
    return text
