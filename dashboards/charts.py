"""Server-rendered SVG charts: bars and lines drawn from counts already protected.

A hidden count is never drawn: its bar or point is left out and its label says
"<5" or "x", as the table beside the chart does.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from dashboards.suppression import Cell

# Okabe–Ito: told apart with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_AREA = 22, 8, 260, 340
LINE_WIDTH, LINE_HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 48, 16, 12, 34


@dataclass
class Bar:
    label: str
    cell: Cell
    y: float
    width: float
    text_x: float


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH


def bar_chart(title: str, rows: Sequence[tuple[str, Cell | str]]) -> BarChart:
    counts = [(label, cell) for label, cell in rows if isinstance(cell, Cell)]
    top = max((cell.value for _label, cell in counts if cell.shown), default=0) or 1
    bars = []
    for index, (label, cell) in enumerate(counts):
        width = BAR_AREA * cell.value / top if cell.shown else 0.0
        bars.append(
            Bar(
                label=label,
                cell=cell,
                y=index * (BAR_HEIGHT + BAR_GAP),
                width=round(width, 1),
                text_x=round(LABEL_WIDTH + width + 6, 1),
            )
        )
    return BarChart(
        title=title,
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + 60,
        height=max(len(rows) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT),
    )


@dataclass
class Line:
    label: str
    colour: str
    # Runs of visible points: a hidden month breaks the line.
    segments: list[str] = field(default_factory=list)
    points: list[tuple[float, float, Cell]] = field(default_factory=list)


@dataclass
class LineChart:
    title: str
    lines: list[Line]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, int]]
    width: int = LINE_WIDTH
    height: int = LINE_HEIGHT
    left: int = LEFT
    right: int = LINE_WIDTH - RIGHT
    bottom: int = LINE_HEIGHT - BOTTOM


def line_chart(
    title: str, months: Sequence[datetime.date], series: Sequence[tuple[str, list[Cell]]]
) -> LineChart:
    top = max((c.value for _l, cells in series for c in cells if c.shown), default=0)
    top = max(_nice(top), 1)
    plot_w, plot_h = LINE_WIDTH - LEFT - RIGHT, LINE_HEIGHT - TOP - BOTTOM
    span = max(len(months) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + plot_w * index / span, 1)

    def y(value: int) -> float:
        return round(TOP + plot_h * (top - value) / top, 1)

    lines = []
    for number, (label, cells) in enumerate(series):
        line = Line(label=label, colour=PALETTE[number % len(PALETTE)])
        run: list[str] = []
        for index, cell in enumerate(cells):
            if cell.shown:
                line.points.append((x(index), y(cell.value), cell))
                run.append(f"{x(index)},{y(cell.value)}")
            else:
                if len(run) > 1:
                    line.segments.append(" ".join(run))
                run = []
        if len(run) > 1:
            line.segments.append(" ".join(run))
        lines.append(line)
    step = max(len(months) // 6, 1)
    return LineChart(
        title=title,
        lines=lines,
        x_labels=[(x(i), f"{m:%m.%Y}") for i, m in enumerate(months) if i % step == 0],
        y_ticks=[(y(v), v) for v in (0, top // 4, top // 2, 3 * top // 4, top)],
    )


def _nice(value: int) -> int:
    """A round number at least as large, for the top of an axis."""
    for step in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return -(-value // step) * step
    return value
