"""Shared helpers of the report tests (no tests here): the synthetic world scored by the real
engine over a few out-of-time days, monitored, bet and settled, and a reader of the report's
charts (each chart is an <svg aria-label=title>; each plotted value a class="mark" element whose
<title> holds the number)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import psycopg
from psycopg.types.json import Jsonb

from tests.conftest import ServerHandle
from tests.db.monitoring.world import recent_reference
from tests.db.scoring.world import TEST_FROM, install, trained

DAYS = [TEST_FROM + dt.timedelta(days=i) for i in range(4)]
LAST = DAYS[-1]
SVG = "{http://www.w3.org/2000/svg}"


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC)


def build(conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> int:
    """Every day but the last is published at 05:00 UTC (before the 08:05 Madrid acceptance
    deadline, 06:05 UTC in spring) and again at 10:00 UTC, after the morning books; bets are
    struck at 10:00 and settled, except the last day's, which stay pending. Returns model_id."""
    mid = install(conn, trained(server, synth_template))
    conn.execute("UPDATE modeling.models SET feature_reference = %s WHERE model_id = %s",
                 (Jsonb(recent_reference(conn, DAYS[0])), mid))
    conn.commit()
    for day in DAYS:
        if day != LAST:
            conn.execute("SELECT modeling.score_day(%s, %s)", (day, at(day, 5)))
        conn.execute("SELECT modeling.score_day(%s, %s)", (day, at(day, 10)))
        conn.execute("SELECT * FROM modeling.propose_bets(%s, as_of => %s)",
                     (day, at(day, 10)))
        if day != LAST:
            conn.execute("SELECT * FROM modeling.settle(%s)", (day,))
        conn.execute("SELECT modeling.monitor_day(%s)", (day,))
        conn.commit()
    return mid


def model_label(conn: psycopg.Connection, model_id: int) -> str:
    """How the report names a model: the registry's name:version, read here."""
    row = conn.execute("SELECT name, version FROM modeling.models WHERE model_id = %s",
                       (model_id,)).fetchone()
    assert row is not None
    return f"{row[0]}:{row[1]}"


def charts(page: str) -> dict[str, list[str]]:
    """Chart title -> the <title> texts of its plotted marks, in drawing order."""
    root = ET.fromstring(page.split("\n", 1)[1])
    out: dict[str, list[str]] = {}
    for svg in root.iter(f"{SVG}svg"):
        marks = [el for el in svg.iter() if el.get("class") == "mark"]
        out[svg.get("aria-label", "")] = [el.findtext(f"{SVG}title", "") for el in marks]
    return out


def one(found: dict[str, list[str]], prefix: str) -> list[str]:
    """The marks of the one chart whose title starts with prefix."""
    hits = [v for k, v in found.items() if k.startswith(prefix)]
    assert len(hits) == 1, f"{prefix!r} among {list(found)}"
    return hits[0]


def values(marks: list[str]) -> list[float]:
    """The numbers after the last ': ' of each mark title."""
    return [float(m.rsplit(": ", 1)[1]) for m in marks]
