"""Grouped bar charts as inline SVG, drawn on the server, for the console and the public pages.

No script and no chart library: the pages' Content-Security-Policy allows no inline script, and a
picture drawn here works without one. The colours come from classes in each room's stylesheet
(`series-0`, `series-1`, ...), the size from the viewBox, so a chart scales to a phone's width.
Each chart is role="img" with a <title> and <desc>; the page puts the same numbers in a table
beside it. Numbers on the scale are written by the caller's `number` (the page's language).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from markupsafe import Markup, escape

from core.i18n import Numbers, Translator, short_day

WIDTH = 600
FONT = 15
LEGEND_HEIGHT = 30
# at most this many band labels: a long range's weeks would overlap otherwise
MAX_LABELS = 13
BAND_FILL = 0.8  # the share of a band its bars take; the rest is the gap between groups


@dataclass(frozen=True)
class Series:
    """One kind of bar (e.g. cases filed): its legend text and a value per band."""

    name: str
    values: list[float | None]


def ticks(top: float, whole: bool = False) -> list[float]:
    """0 and round steps (1, 2 or 5 times a power of ten) up to at least `top`, six at most;
    `whole` keeps steps of counts at 1 or more."""
    if top <= 0:
        return [0, 1]
    rough = top / 5
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    if whole:
        step = max(step, 1)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def plain_number(value: float) -> str:
    """A number without locale: the default when the caller gives no `number`."""
    return f"{value:g}"


def _text(x: float, y: float, content: str, css: str, anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" text-anchor="{anchor}">'
        f"{escape(content)}</text>"
    )


def _legend(series: list[Series]) -> list[str]:
    parts, x = [], 0.0
    for index, one in enumerate(series):
        parts.append(
            f'<rect x="{x:.1f}" y="4" width="14" height="14" class="key series-{index}"></rect>'
        )
        parts.append(_text(x + 20, 16, one.name, "legend", "start"))
        x += 20 + len(one.name) * FONT * 0.6 + 24
    return parts


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    horizontal: bool = False,
    counts: bool = False,
    number: Callable[[float], str] = plain_number,
) -> Markup:
    """Bars of every series side by side for each label: columns, or rows when `horizontal`
    (long label lists such as agencies read better down the page). `counts` are whole numbers,
    so the scale has no steps of a half. `number` writes the scale's and the bars' values."""
    values = [v for one in series for v in one.values if v is not None]
    scale = ticks(max(values, default=0), whole=counts)
    top = scale[-1]
    bands = max(len(labels), 1)
    if horizontal:
        left, right, bottom = 120, 24, 30
        band = 32
        height = LEGEND_HEIGHT + bands * band + bottom
        plot_length = WIDTH - left - right
        origin = left
    else:
        left, right, bottom = 48, 12, 44
        height = 280
        plot_length = height - LEGEND_HEIGHT - bottom
        band = (WIDTH - left - right) / bands
        origin = height - bottom

    def along(value: float) -> float:
        """Distance from the axis for a value."""
        return value / top * plot_length

    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        *_legend(series),
    ]
    for tick in scale:
        if horizontal:
            x = origin + along(tick)
            parts.append(
                f'<line x1="{x:.1f}" y1="{LEGEND_HEIGHT}" x2="{x:.1f}" '
                f'y2="{height - bottom}" class="grid"></line>'
            )
            parts.append(_text(x, height - bottom + FONT + 4, number(tick), "tick"))
        else:
            y = origin - along(tick)
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" '
                'class="grid"></line>'
            )
            parts.append(_text(left - 6, y + FONT / 3, number(tick), "tick", "end"))
    # as many labels as fit side by side ("14 Sep" needs more room than "W37"), at most
    # MAX_LABELS; the others' bands go unlabelled
    label_room = max((len(label) for label in labels), default=1) * FONT * 0.6 + 8
    every = max(math.ceil(bands / MAX_LABELS), math.ceil(label_room / band))
    thickness = band * BAND_FILL / max(len(series), 1)
    for position, label in enumerate(labels):
        start = position * band + band * (1 - BAND_FILL) / 2
        if horizontal:
            centre = LEGEND_HEIGHT + position * band + band / 2
            parts.append(_text(left - 8, centre + FONT / 3, label, "label", "end"))
        elif position % every == 0:
            centre = left + position * band + band / 2
            parts.append(_text(centre, origin + FONT + 6, label, "label"))
        for index, one in enumerate(series):
            value = one.values[position]
            if value is None:
                continue
            offset = start + index * thickness
            length = along(value)
            if horizontal:
                x, y = origin, LEGEND_HEIGHT + offset
                width, tall = length, thickness
            else:
                x, y = left + offset, origin - length
                width, tall = thickness, length
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{tall:.1f}" '
                f'class="bar series-{index}"><title>{escape(label)}: {escape(one.name)} '
                f"{number(value)}</title></rect>"
            )
    if horizontal:
        parts.append(
            f'<line x1="{origin}" y1="{LEGEND_HEIGHT}" x2="{origin}" y2="{height - bottom}" '
            'class="axis"></line>'
        )
    else:
        parts.append(
            f'<line x1="{left}" y1="{origin}" x2="{WIDTH - right}" y2="{origin}" '
            'class="axis"></line>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


class Week(Protocol):
    """Cases filed and resolved in a week starting on `first` (cases.stats.WeekCount)."""

    @property
    def first(self) -> date: ...
    @property
    def opened(self) -> int: ...
    @property
    def resolved(self) -> int: ...


def weekly_chart(t: Translator, chart_id: str, title: str, weeks: Sequence[Week]) -> Markup:
    """Cases filed and resolved per week, each week named by the day it starts ("7 Des")."""
    opened, resolved = [w.opened for w in weeks], [w.resolved for w in weeks]
    return bar_chart(
        chart_id=chart_id,
        title=title,
        description=t.gettext(
            "%(weeks)s minggu: %(opened)s aduan masuk, %(resolved)s selesai.",
            weeks=len(weeks),
            opened=sum(opened),
            resolved=sum(resolved),
        ),
        labels=[short_day(w.first, t.language) for w in weeks],
        series=[Series(t.gettext("Masuk"), opened), Series(t.gettext("Selesai"), resolved)],
        counts=True,
        number=Numbers(t.language).scale,
    )
