"""Server-rendered SVG charts: Python lays the shapes out, templates/kpi/_*.svg.html draw them.

No JavaScript and nothing fetched from elsewhere; labels go through the template engine, so
they are escaped like any other text.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # what is printed at the end of the bar
    inner: float | None = None  # a second, overlaid measure on the same scale (e.g. deals)
    inner_text: str = ""


@dataclass(frozen=True)
class BarShape:
    label: str
    short_label: str
    text: str
    y: float
    width: float
    inner_width: float | None
    inner_text: str


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per row."""

    width: int
    height: int
    label_width: int
    bar_height: int
    text_x: float
    area: float  # the width a full-scale bar takes
    bars: list[BarShape] = field(default_factory=list)
    title: str = ""
    legend: tuple[str, str] | None = None

    @property
    def text_dy(self) -> float:
        return self.bar_height / 2 + 4


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    scale_max: float | None = None,
    legend: tuple[str, str] | None = None,
    width: int = 640,
    label_width: int = 170,
    row: int = 30,
) -> BarChart:
    """Bars scaled to ``scale_max`` (default: the largest value)."""
    top = scale_max if scale_max is not None else max((b.value for b in bars), default=0)
    area = width - label_width - 110
    shapes = []
    for i, bar in enumerate(bars):
        fraction = bar.value / top if top else 0
        inner = None if bar.inner is None else (bar.inner / top if top else 0) * area
        shapes.append(
            BarShape(
                label=bar.label,
                short_label=_short(bar.label),
                text=bar.text,
                y=i * row + 4,
                width=max(fraction * area, 0),
                inner_width=inner,
                inner_text=bar.inner_text,
            )
        )
    return BarChart(
        width=width,
        height=max(len(bars), 1) * row + 8,
        label_width=label_width,
        bar_height=row - 10,
        text_x=label_width + area + 8,
        area=area,
        bars=shapes,
        title=title,
        legend=legend,
    )


@dataclass(frozen=True)
class Column:
    label: str
    value: float | None  # None: undefined (drawn as "—", no column)
    text: str
    note: str = ""  # a second line under the label, e.g. the number of leads


@dataclass(frozen=True)
class ColumnShape:
    label: str
    text: str
    note: str
    x: float
    y: float
    height: float
    center: float
    defined: bool


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    base: float  # y of the axis
    column_width: float
    columns: list[ColumnShape]
    gridlines: list[tuple[float, str]]
    title: str = ""


def column_chart(
    columns: Sequence[Column],
    *,
    title: str,
    scale_max: float = 1.0,
    percent_axis: bool = True,
    width: int = 640,
    height: int = 280,
) -> ColumnChart:
    """Vertical columns on a 0..``scale_max`` axis (rates by default)."""
    left, top, bottom = 48, 16, 52
    plot = height - top - bottom
    slot = (width - left - 8) / max(len(columns), 1)
    column_width = slot * 0.62
    base = top + plot
    shapes = []
    for i, col in enumerate(columns):
        value = col.value or 0
        bar = (value / scale_max if scale_max else 0) * plot
        x = left + i * slot + (slot - column_width) / 2
        shapes.append(
            ColumnShape(
                label=col.label,
                text=col.text,
                note=col.note,
                x=x,
                y=base - bar,
                height=bar,
                center=x + column_width / 2,
                defined=col.value is not None,
            )
        )
    grid = []
    for step in range(5):
        fraction = step / 4
        label = f"{fraction * scale_max:.0%}" if percent_axis else f"{fraction * scale_max:g}"
        grid.append((base - fraction * plot, label))
    return ColumnChart(
        width=width,
        height=height,
        base=base,
        column_width=column_width,
        columns=shapes,
        gridlines=grid,
        title=title,
    )
