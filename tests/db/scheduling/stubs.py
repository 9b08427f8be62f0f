"""Shared helpers of the scheduling tests (no tests here): a stub scoring function swapped in
for score_day and reprice_day, races placed in local time, ticks at explicit instants."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

MADRID = ZoneInfo("Europe/Madrid")
UTC = dt.UTC

STUB_SQL = """
CREATE TABLE public.stub_calls (
    race_date date, as_of timestamptz, alias text, triggered_by text);
CREATE FUNCTION public.stub_score(race_date date, as_of timestamptz,
                                  alias text DEFAULT 'production', wait boolean DEFAULT true,
                                  triggered_by text DEFAULT 'manual')
RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO public.stub_calls VALUES (race_date, as_of, alias, triggered_by);
    SELECT 1::bigint;
$$;
CREATE FUNCTION public.stub_fail(race_date date, as_of timestamptz,
                                 alias text DEFAULT 'production', wait boolean DEFAULT true,
                                 triggered_by text DEFAULT 'manual')
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.stub_calls VALUES (race_date, as_of, alias, triggered_by);
    RAISE EXCEPTION 'stub scoring failed for %', race_date;
END
$$;
"""


STUBBED_SCORERS = """
CREATE OR REPLACE FUNCTION modeling.score_day(
    race_date date, as_of timestamptz DEFAULT now(), alias text DEFAULT 'production',
    challengers boolean DEFAULT true, wait boolean DEFAULT true,
    max_null_share double precision DEFAULT 0.5, triggered_by text DEFAULT 'manual')
RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN {0}($1, $2, $3, $5, $7); END $$;
CREATE OR REPLACE FUNCTION modeling.reprice_day(
    race_date date, as_of timestamptz DEFAULT now(), alias text DEFAULT 'production',
    wait boolean DEFAULT true, triggered_by text DEFAULT 'manual')
RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN {0}($1, $2, $3, $4, $5); END $$;
"""


def use_stub(conn: psycopg.Connection, function: str = "public.stub_score") -> None:
    """Install the stubs and replace this test database's score_day and reprice_day with
    ``function`` (the scheduler calls those two by name; only a superuser can swap them).
    plpgsql, so ``function`` may be created after this call."""
    assert re.fullmatch(r"public\.stub_[a-z_]+", function), function
    conn.execute(STUB_SQL)
    conn.execute(STUBBED_SCORERS.format(function))
    conn.commit()


def local(day: dt.date, hhmm: str) -> dt.datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=MADRID)


def add_races(conn: psycopg.Connection, day: dt.date, offs: list[str],
              first_id: int = 1) -> list[dt.datetime]:
    """One race per local off time (HH:MM, Europe/Madrid) on ``day``."""
    times = [local(day, hhmm) for hhmm in offs]
    for i, off in enumerate(times):
        conn.execute("INSERT INTO racing.races (race_id, race_date, off_time, course, country, "
                     "distance_m) VALUES (%s, %s, %s, 'Test', 'ES', 1600)",
                     (first_id + i, day, off))
    conn.commit()
    return times


def tick(conn: psycopg.Connection, at: dt.datetime) -> dict[str, Any]:
    row = conn.execute("SELECT modeling.tick(%s)", (at,)).fetchone()
    conn.commit()
    assert row is not None
    result: dict[str, Any] = row[0]
    return result


def minutes(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every whole minute from start to end inclusive (UTC arithmetic, DST-proof)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    n = int((end - start).total_seconds() // 60)
    return [start + dt.timedelta(minutes=i) for i in range(n + 1)]


def calls(conn: psycopg.Connection, job: str) -> list[dt.datetime]:
    rows = conn.execute("SELECT as_of FROM public.stub_calls WHERE triggered_by = %s "
                        "ORDER BY as_of", (f"schedule:{job}",)).fetchall()
    conn.commit()
    return [r[0] for r in rows]
