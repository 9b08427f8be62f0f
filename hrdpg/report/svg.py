"""Small inline SVG charts (no scripts, no fonts to fetch): points, lines, bars, columns.
Every plotted value is an element of class "mark" whose <title> holds the value (hover text;
tests read the numbers there)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

W, H, PAD = 360, 240, 36
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def _scale(v: float, lo: float, hi: float, a: float, b: float) -> float:
    return a + (v - lo) / (hi - lo or 1.0) * (b - a)


def _frame(title: str, body: list[str], x_label: str, y_label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
            f'viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title>'
            f'<text x="4" y="12" font-size="11" font-weight="600">{escape(title)}</text>'
            f'<rect x="{PAD}" y="{PAD // 2}" width="{W - PAD * 1.5}" height="{H - PAD * 1.5}" '
            'fill="#fafafa" stroke="#999"/>'
            + "".join(body)
            + f'<text x="{W / 2}" y="{H - 4}" text-anchor="middle" font-size="11">'
              f'{escape(x_label)}</text>'
              f'<text x="10" y="{H / 2}" font-size="11" text-anchor="middle" '
              f'transform="rotate(-90 10 {H / 2})">{escape(y_label)}</text></svg>')


def _xy(x: float, y: float, xr: tuple[float, float], yr: tuple[float, float]) -> str:
    px = _scale(x, *xr, PAD, W - PAD / 2)
    py = _scale(y, *yr, H - PAD, PAD / 2)
    return f"{px:.1f},{py:.1f}"


def reliability(title: str, points: Sequence[tuple[float, float, int]]) -> str:
    """(mean predicted, observed rate, n) per band, on the diagonal when calibrated."""
    top = max([0.05] + [max(p, r) for p, r, _ in points]) * 1.05
    rng = (0.0, top)
    biggest = max([1] + [n for _, _, n in points])
    body = [f'<polyline points="{_xy(0, 0, rng, rng)} {_xy(top, top, rng, rng)}" '
            'stroke="#999" stroke-dasharray="4 3" fill="none"/>']
    for p, r, n in points:
        x, y = _xy(p, r, rng, rng).split(",")
        rad = 2 + 6 * (n / biggest) ** 0.5
        body.append(f'<circle cx="{x}" cy="{y}" r="{rad:.1f}" fill="{COLOURS[0]}" '
                    f'fill-opacity="0.7" class="mark"><title>p {p:.3f}, won {r:.3f}, n {n}'
                    '</title></circle>')
    return _frame(title, body, f"mean predicted p (0 to {top:.2f})", "observed win rate")


def lines(title: str, series: dict[str, Sequence[tuple[float, float]]], x_label: str,
          y_label: str) -> str:
    pts = [pt for s in series.values() for pt in s]
    if not pts:
        return ""
    xr = (min(x for x, _ in pts), max(x for x, _ in pts))
    yr = (min(y for _, y in pts), max(y for _, y in pts))
    body = []
    for i, (name, s) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        xy = [_xy(x, y, xr, yr) for x, y in s]
        body.append(f'<polyline points="{" ".join(xy)}" stroke="{colour}" stroke-width="2" '
                    'fill="none"/>')
        for point, (x, y) in zip(xy, s, strict=True):
            cx, cy = point.split(",")
            body.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}" class="mark">'
                        f'<title>{escape(name)} at {x:g}: {y:.6f}</title></circle>')
        body.append(f'<text x="{PAD + 6}" y="{PAD // 2 + 14 + 13 * i}" font-size="11" '
                    f'fill="{colour}">{escape(name)}</text>')
    return _frame(title, body, x_label, f"{y_label} ({yr[0]:.3f} to {yr[1]:.3f})")


def bars(title: str, values: Sequence[tuple[str, float]], marks: Sequence[float],
         y_label: str = "feature") -> str:
    """Horizontal bars (e.g. PSI per feature) with vertical reference marks."""
    if not values:
        return ""
    top = max([*marks, *(v for _, v in values)]) * 1.1 or 1.0
    step = (H - PAD * 1.5) / len(values)
    body = []
    for i, (name, v) in enumerate(values):
        y = PAD // 2 + i * step
        width = _scale(v, 0, top, 0, W - PAD * 1.5)  # drawn at least 1px: a zero shows
        colour = COLOURS[1] if v >= marks[-1] else COLOURS[4] if v >= marks[0] else COLOURS[0]
        body.append(f'<rect x="{PAD}" y="{y + 1:.1f}" width="{max(width, 1):.1f}" '
                    f'height="{max(step - 2, 1):.1f}" fill="{colour}" fill-opacity="0.6" '
                    'class="mark">'
                    f'<title>{escape(name)}: {v:.4f}</title></rect>'
                    f'<text x="{PAD + 3}" y="{y + step / 2 + 4:.1f}" font-size="10">'
                    f'{escape(name)} {v:.3f}</text>')
    for m in marks:
        x = _scale(m, 0, top, PAD, W - PAD / 2)
        body.append(f'<line x1="{x:.1f}" y1="{PAD // 2}" x2="{x:.1f}" y2="{H - PAD}" '
                    'stroke="#333" stroke-dasharray="3 3"/>')
    return _frame(title, body, f"0 to {top:.2f}", y_label)


def columns(title: str, values: Sequence[tuple[str, float | None]], top: float, goal: float,
            x_label: str, y_label: str) -> str:
    """Vertical bars from 0 to top (e.g. a share per day), red below the goal line; None is a
    gap (nothing to measure that day)."""
    if not values:
        return ""
    step = (W - PAD * 1.5) / len(values)
    body = []
    for i, (name, v) in enumerate(values):
        if v is None:
            continue
        x = PAD + i * step
        y = _scale(v, 0, top, H - PAD, PAD / 2)
        colour = COLOURS[2] if v >= goal else COLOURS[1]
        body.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                    f'height="{max(H - PAD - y, 1):.1f}" fill="{colour}" fill-opacity="0.7" '
                    f'class="mark"><title>{escape(name)}: {v:.4f}</title></rect>')
    g = _scale(goal, 0, top, H - PAD, PAD / 2)
    body.append(f'<line x1="{PAD}" y1="{g:.1f}" x2="{W - PAD / 2}" y2="{g:.1f}" stroke="#333" '
                f'stroke-dasharray="3 3"><title>goal {goal:.4f}</title></line>')
    return _frame(title, body, x_label, f"{y_label} (0 to {top:g})")
