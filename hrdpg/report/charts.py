"""The report's charts, drawn by matplotlib (Agg; its SVG output inlined in the page: no script,
no font or file fetched; text stays <text> in the reader's own sans-serif).

The chart API another panel calls: line_chart, hbar_chart, reliability_chart, coverage_chart; each
returns the chart's HTML, a <figure class="chart"> whose caption is the title, holding an
<svg role="img" aria-label=title>. In that SVG every plotted value is an element of class "mark"
whose <title> holds "NAME X: VALUE" (hover text; tests read the numbers there), tick labels sit
in groups whose id holds "xtick_" / "ytick_" (matplotlib's), axis titles in "x-title" /
"y-title". Reference lines (thresholds, goals, the diagonal) are named in a legend under the
plot, so no label ever crosses a tick label, a bar or another label.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from typing import Any

X = dt.date | float  # dates (datetime included) or plain numbers
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
GOOD, WARN, BAD, LATE = "#2ca02c", "#ff7f0e", "#d62728", "#b0b0b0"
WIDTH_IN, HEIGHT_IN, PX_PER_IN = 5.0, 3.0, 96  # 480 x 288 CSS px at full size
STYLE: dict[Any, Any] = {"svg.fonttype": "none", "svg.hashsalt": "hrdpg", "font.size": 9.0,
         "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
         "grid.color": "#e4e4e4", "grid.linewidth": 0.6, "legend.frameon": False,
         "font.family": "sans-serif",
         "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"]}


@dataclass(frozen=True)
class Ref:
    """A labelled reference line at value (horizontal on line and column charts, vertical on
    bar charts); its label goes in the legend."""
    value: float
    label: str
    colour: str = "#444444"


class _Marks:
    """Hover titles of the plotted values, keyed by the gid matplotlib writes as a group id."""

    def __init__(self) -> None:
        self.titles: dict[str, str] = {}

    def gid(self, title: str) -> str:
        key = f"hrdpgmark{len(self.titles)}"
        self.titles[key] = title
        return key


@contextmanager
def _figure(height_in: float = HEIGHT_IN) -> Iterator[tuple[Any, Any]]:
    import matplotlib  # here, not at import: `hrdpg --help` must not pay for it

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
        yield fig, fig.add_subplot()


def _labels(ax: Any, x_label: str, y_label: str) -> None:
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.xaxis.label.set_gid("x-title")
    ax.yaxis.label.set_gid("y-title")


def _legend(fig: Any, ax: Any, refs: Sequence[Ref], vertical: bool,
            extra: Sequence[Any] = ()) -> None:
    from matplotlib.lines import Line2D

    draw = ax.axvline if vertical else ax.axhline
    handles = list(extra)
    for r in refs:
        handles.append(draw(r.value, color=r.colour, linestyle="--", linewidth=1.2,
                            label=r.label))
    seen = {h.get_label() for h in handles}
    for line in ax.get_lines():  # series lines (and one of each labelled marker kind)
        label = str(line.get_label())
        if isinstance(line, Line2D) and not label.startswith("_") and label not in seen:
            handles.append(line)
            seen.add(label)
    if handles:
        # Two columns at most: a wider legend than the figure would be cut at its edges.
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 2))


def _dates(ax: Any, xs: Sequence[X]) -> None:
    """ISO dates on the x axis (a lone day gets a day either side)."""
    from matplotlib import dates

    days = [x for x in xs if isinstance(x, dt.date)]
    if not days or len(days) < len(xs):
        return
    ax.xaxis.set_major_locator(dates.AutoDateLocator(minticks=3, maxticks=6))  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(dates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
    ax.tick_params(axis="x", labelrotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    first, last = min(days), max(days)
    if first == last:
        ax.set_xlim(first - dt.timedelta(days=1), last + dt.timedelta(days=1))


def _svg(fig: Any, marks: _Marks, title: str) -> str:
    """matplotlib's SVG, made safe to inline next to other charts: no prolog or metadata, ids
    prefixed by a digest of the chart (unique in the page), marks classed and titled."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text[text.index("<svg"):], flags=re.S)
    prefix = "c" + hashlib.sha1(text.encode()).hexdigest()[:10] + "-"
    text = re.sub(r'(\sid="|xlink:href="#|url\(#)', lambda m: m.group(1) + prefix, text)

    def mark(m: re.Match[str]) -> str:
        return (f'<g id="{prefix}{m.group(1)}" class="mark">'
                f"<title>{escape(marks.titles[m.group(1)])}</title>")
    text = re.sub(rf'<g id="{prefix}(hrdpgmark\d+)">', mark, text)
    width, height = fig.get_size_inches() * PX_PER_IN
    return re.sub(r'<svg ([^>]*?)width="[\d.]+pt" height="[\d.]+pt"',
                  lambda m: f'<svg {m.group(1)}width="{width:.0f}" height="{height:.0f}" '
                  f'role="img" aria-label="{escape(title)}"', text, count=1)


def _chart(title: str, svg: str) -> str:
    return f'<figure class="chart"><figcaption>{escape(title)}</figcaption>{svg}</figure>'


def _label(x: X) -> str:
    return x.isoformat() if isinstance(x, dt.date) else f"{x:g}"


def line_chart(title: str, series: Mapping[str, Sequence[tuple[X, float]]], x_label: str,
               y_label: str, refs: Sequence[Ref] = (), digits: int = 6) -> str:
    """One line per series over dates or numbers, a dot per value; "" when nothing to draw.
    A mark's title is "SERIES X: VALUE" (VALUE with digits decimals)."""
    xs = [x for s in series.values() for x, _ in s]
    if not xs:
        return ""
    marks = _Marks()
    with _figure() as (fig, ax):
        for i, (name, points) in enumerate(series.items()):
            colour = COLOURS[i % len(COLOURS)]
            ax.plot([x for x, _ in points], [y for _, y in points], color=colour,
                    linewidth=1.6, label=name if len(series) > 1 else "_" + name)
            for x, y in points:
                ax.plot([x], [y], linestyle="none", marker="o", markersize=4, color=colour,
                        gid=marks.gid(f"{name} {_label(x)}: {y:.{digits}f}"), label="_mark")
        _dates(ax, xs)
        _labels(ax, x_label, y_label)
        _legend(fig, ax, refs, vertical=False)
        return _chart(title, _svg(fig, marks, title))


def _band_colour(v: float, refs: Sequence[Ref]) -> str:
    """Bars past a reference line take its colour (the highest passed)."""
    passed = [r for r in refs if v >= r.value]
    return max(passed, key=lambda r: r.value).colour if passed else COLOURS[0]


def hbar_chart(title: str, values: Sequence[tuple[str, float]], x_label: str, y_label: str,
               refs: Sequence[Ref] = (), digits: int = 4) -> str:
    """Horizontal bars, one per name, top to bottom in the given order, coloured by the
    reference lines they pass. A mark's title is "NAME: VALUE"."""
    if not values:
        return ""
    marks = _Marks()
    with _figure(max(HEIGHT_IN, 1.1 + 0.22 * len(values))) as (fig, ax):
        names = [n for n, _ in values]
        bars = ax.barh(range(len(values)), [v for _, v in values],
                       color=[_band_colour(v, refs) for _, v in values], alpha=0.75)
        for bar, (name, v) in zip(bars, values, strict=True):
            bar.set_gid(marks.gid(f"{name}: {v:.{digits}f}"))
        ax.set_yticks(range(len(values)), names)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set_xlim(0, max([*(v for _, v in values), *(r.value for r in refs)]) * 1.08 or 1.0)
        _labels(ax, x_label, y_label)
        _legend(fig, ax, refs, vertical=True)
        return _chart(title, _svg(fig, marks, title))


def reliability_chart(title: str, bands: Sequence[tuple[float, float, int]]) -> str:
    """(mean predicted p, observed win rate, runners) per band, dot area by runners; on the
    diagonal when calibrated. A mark's title is "p P, won R, n N"."""
    if not bands:
        return ""
    from matplotlib.lines import Line2D

    marks = _Marks()
    top = max([0.05] + [max(p, r) for p, r, _ in bands]) * 1.08
    biggest = max(n for _, _, n in bands) or 1
    with _figure(3.6) as (fig, ax):
        for p, r, n in bands:
            ax.scatter([p], [r], s=12 + 140 * n / biggest, color=COLOURS[0], alpha=0.7,
                       gid=marks.gid(f"p {p:.3f}, won {r:.3f}, n {n}"))
        diagonal = Line2D([0, top], [0, top], color="#777777", linestyle="--", linewidth=1,
                          label="perfect calibration")
        ax.add_line(diagonal)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_aspect("equal", adjustable="box")
        _labels(ax, "mean predicted win probability", "observed win rate")
        fig.legend(handles=[diagonal], loc="outside lower center")
        return _chart(title, _svg(fig, marks, title))


def coverage_chart(title: str, days: Sequence[dt.date], by_deadline: Sequence[float | None],
                   at_all: Sequence[float | None], goal: float) -> str:
    """Per day, the share of races with signals published by the deadline (green at or above
    the goal, red below) and, stacked above in grey, the share published only later; None = no
    racing that day. Marks: "by the deadline DAY: SHARE" and "at all DAY: SHARE"."""
    if not any(v is not None for v in at_all):
        return ""
    from matplotlib.patches import Patch

    marks = _Marks()
    with _figure() as (fig, ax):
        for day, early, every in zip(days, by_deadline, at_all, strict=True):
            if early is None or every is None:
                continue
            colour = GOOD if early >= goal else BAD
            (bar,) = ax.bar([day], [early], width=0.8, color=colour, alpha=0.8)
            bar.set_gid(marks.gid(f"by the deadline {day}: {early:.4f}"))
            (late,) = ax.bar([day], [every - early], bottom=[early], width=0.8, color=LATE)
            late.set_gid(marks.gid(f"at all {day}: {every:.4f}"))
            if every == 0:  # races but no signal at all: a red dash on the axis, not a gap
                ax.plot([day], [0], linestyle="none", marker="_", markersize=12,
                        markeredgewidth=3, color=BAD, label="no signals at all")
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(_percent())
        _dates(ax, list(days))
        _labels(ax, "race date", "share of the day's races")
        _legend(fig, ax, [Ref(goal, f"goal {goal:.0%}", "#333333")], vertical=False, extra=[
            Patch(color=GOOD, label="by the deadline, at goal"),
            Patch(color=BAD, label="by the deadline, below goal"),
            Patch(color=LATE, label="only after the deadline")])
        return _chart(title, _svg(fig, marks, title))


def _percent() -> Callable[[float, Any], str]:
    from matplotlib.ticker import FuncFormatter

    formatter: Callable[[float, Any], str] = FuncFormatter(lambda v, _: f"{v:.0%}")
    return formatter
