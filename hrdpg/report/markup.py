"""Markup helpers of the report: the one number format, tables, sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any

from hrdpg.report.data import Row


def fmt(v: Any, digits: int = 4) -> str:
    """The one number format of the report (tests look numbers up in it)."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M %Z").strip()
    return str(v)


def table(rows: Sequence[Row], empty: str, text_cols: Sequence[str] = ()) -> str:
    """A table that never scrolls sideways: headers wrap at spaces, cells may break anywhere,
    and on a narrow screen (CSS in html.py) each row becomes a card of label: value lines."""
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    cols = list(rows[0])
    labels = [escape(c.replace("_", " ")) for c in cols]
    head = "".join(f"<th>{label}</th>" for label in labels)
    body = []
    for r in rows:
        cells = []
        for c, label in zip(cols, labels, strict=True):
            classes = ["t"] if c in text_cols else []
            if c in ("status", "severity", "level") and r[c]:
                classes.append(escape(str(r[c])))
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f'<td data-label="{label}"{attr}>{escape(fmt(r[c]))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="rows"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def section(title: str, *parts: str) -> str:
    return f"<h2>{escape(title)}</h2>" + "".join(parts)
