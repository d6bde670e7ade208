"""Small horizontal bar charts drawn on the server as inline SVG: no JavaScript, no style sheet.

A chart is one series: each bar has its label written above it and its value written after it, so
nothing is told by colour alone. `templates/governance/_chart_bar.html` draws it as
`<svg role="img">` named by its `<title>` and described by a `<desc>` that lists every label and
value (what a screen reader says), inside a `<figure>`; the same figures are in a table, either the
chart's own (drawn under it) or one of the page's, which the caption then links to.

Only whole numbers go into the SVG's geometry, so the template never has to think about the
decimal comma of the page's locale.
"""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
ROW = 48  # the label line and the bar under it
LABEL_BASELINE = 17
BAR_TOP = 23
BAR_HEIGHT = 18
VALUE_ROOM = 90  # right of the longest bar, for its value
BAR_MAX = WIDTH - VALUE_ROOM
FONT_SIZE = 16
BAR_FILL = "#1f5f8b"  # 7:1 against white: the bars are visible to everyone (WCAG 1.4.11 asks 3:1)
TEXT_FILL = "#1a1a1a"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the chart and its table show it
    label_y: int
    bar_y: int
    width: int
    text_x: int
    text_y: int


@dataclass(frozen=True)
class BarChart:
    id: str  # unique on the page; the title, desc and table ids derive from it
    title: str
    description: str
    label_heading: str  # the table's column headings
    value_heading: str
    bars: list[Bar]
    table_id: str  # the page's table that holds the same figures, or "" to draw the chart's own
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT
    font_size: int = FONT_SIZE
    bar_fill: str = BAR_FILL
    text_fill: str = TEXT_FILL

    @property
    def height(self) -> int:
        return ROW * len(self.bars) + 4

    @property
    def own_table_id(self) -> str:
        return f"{self.id}-table"


def percent(value: float | None) -> str:
    """A share (0–1) as a whole percentage, the Norwegian way ("67 %"); "–" for no share."""
    return "–" if value is None else f"{round(value * 100)}\u00a0%"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, float | None]],
    label_heading: str,
    value_heading: str,
    as_percent: bool = False,
    maximum: float | None = None,
    table_id: str = "",
) -> BarChart:
    """A chart of `rows` (label, value). Values are counts, or shares 0–1 with `as_percent` (drawn
    against 100 %; None is "no share yet" and draws no bar). Bars are scaled to `maximum`, by
    default the largest value (1 for shares)."""
    values = [value or 0 for _, value in rows]
    top = maximum if maximum is not None else (1 if as_percent else max(values, default=0))
    bars = []
    for index, (label, value) in enumerate(rows):
        text = percent(value) if as_percent else str(value if value is not None else "–")
        width = round(BAR_MAX * (value or 0) / top) if top else 0
        row_top = index * ROW
        bars.append(
            Bar(
                label=label,
                value=value or 0,
                text=text,
                label_y=row_top + LABEL_BASELINE,
                bar_y=row_top + BAR_TOP,
                width=width,
                text_x=width + 6,
                text_y=row_top + BAR_TOP + BAR_HEIGHT - 4,
            )
        )
    description = "; ".join(f"{bar.label}: {bar.text}" for bar in bars) + ("." if bars else "")
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        label_heading=label_heading,
        value_heading=value_heading,
        bars=bars,
        table_id=table_id,
    )
