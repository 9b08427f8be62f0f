"""The content checks' price facts, run in the server, against a plain computation from the raw
quotes: per race the newest price's age and the share of the course's earlier races priced as
early; unchanged by what came later and by the caller's TimeZone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from hrdpg_pl.scoring_dq import PRICE_HISTORY_DAYS
from hrdpg_pl.scoring_fetch import MAX_DECIMAL_ODDS

from tests.db.scoring.world import DAY

FACTS_FN = """
CREATE FUNCTION pg_temp.facts(d0 date, d1 date, as_of timestamptz)
RETURNS TABLE (race_id bigint, age double precision, share double precision)
LANGUAGE plpython3u AS $$
from hrdpg_pl import price_facts, scoring_fetch
races = scoring_fetch.races(plpy, d0, d1, as_of)
f = price_facts.price_facts(plpy, races, @DAYS@)
return [(r, None if a != a else a, None if s != s else s) for r, a, s in zip(
    races.race_id.tolist(), f.newest_age_s.tolist(), f.history_share.tolist())]
$$
""".replace("@DAYS@", str(PRICE_HISTORY_DAYS))
FROM = DAY - dt.timedelta(days=2)
UTC = dt.UTC


def _server(conn: psycopg.Connection, as_of: dt.datetime | None) -> dict[int, tuple[Any, Any]]:
    rows = conn.execute("SELECT * FROM pg_temp.facts(%s, %s, %s)", (FROM, DAY, as_of)).fetchall()
    return {int(r): (a, s) for r, a, s in rows}


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(), UTC)


def _oracle(conn: psycopg.Connection, as_of: dt.datetime | None) -> dict[int, tuple[Any, Any]]:
    races = conn.execute("SELECT race_id, course, race_date, off_time FROM modeling.src_races "
                         "WHERE race_date BETWEEN %s AND %s",
                         (FROM - dt.timedelta(days=PRICE_HISTORY_DAYS), DAY)).fetchall()
    quotes: dict[int, list[dt.datetime]] = {}
    for race, at, odds in conn.execute(
            "SELECT o.race_id, o.observed_at, o.decimal_odds FROM modeling.src_odds o JOIN "
            "modeling.src_races r USING (race_id) WHERE r.race_date BETWEEN %s AND %s",
            (FROM - dt.timedelta(days=PRICE_HISTORY_DAYS), DAY)):
        if odds is not None and 1 < odds < MAX_DECIMAL_ODDS:
            quotes.setdefault(race, []).append(at)
    off = {r: o for r, _, _, o in races}
    first = {r: min((t for t in quotes.get(r, []) if t < off[r]), default=None) for r in off}
    out = {}
    for race, course, day, off_time in races:
        if not FROM <= day <= DAY:
            continue
        a = as_of or off_time - dt.timedelta(minutes=1)
        seen = [t for t in quotes.get(race, []) if t <= a and t < off_time]
        age = (min(a, off_time) - max(seen)).total_seconds() if seen else None
        lead, clock = max(off_time - a, dt.timedelta(0)), a - _midnight(day)
        known = priced = 0
        for h, h_course, h_day, h_off in races:
            if (h_course == course and day - dt.timedelta(days=PRICE_HISTORY_DAYS) <= h_day < day
                    and h_off < a):
                known += 1
                f = first[h]
                priced += f is not None and f <= min(h_off - lead, _midnight(h_day) + clock, a)
        out[int(race)] = (age, priced / known if known else None)
    conn.commit()
    return out


def _vary_history(conn: psycopg.Connection) -> None:
    """Earlier races priced never, late, or as before: the shares are not all one."""
    conn.execute("DELETE FROM racing.odds o USING racing.races r WHERE o.race_id = r.race_id "
                 "AND r.race_date < %s AND r.race_id %% 3 = 0", (DAY,))
    conn.execute("DELETE FROM racing.odds o USING racing.races r WHERE o.race_id = r.race_id "
                 "AND r.race_date < %s AND r.race_id %% 6 = 4 "
                 "AND o.observed_at < r.off_time - interval '10 minutes'", (DAY,))
    conn.commit()


def _same(got: dict[int, tuple[Any, Any]], want: dict[int, tuple[Any, Any]]) -> None:
    assert got.keys() == want.keys() and got
    for race, (age, share) in want.items():
        assert got[race] == (age, share), race


def test_price_facts_match_the_raw_quotes(synth_conn: psycopg.Connection) -> None:
    _vary_history(synth_conn)
    synth_conn.execute(FACTS_FN)
    morning = _midnight(DAY) + dt.timedelta(hours=9)
    for as_of in (None, morning, _midnight(DAY) - dt.timedelta(hours=3)):
        want = _oracle(synth_conn, as_of)
        shares = [s for _, s in want.values() if s is not None]
        assert len(set(shares)) > 1, as_of  # the check has something to tell apart
        _same(_server(synth_conn, as_of), want)


def test_price_facts_ignore_later_quotes_and_the_callers_zone(
        synth_conn: psycopg.Connection) -> None:
    _vary_history(synth_conn)
    synth_conn.execute(FACTS_FN)
    as_of = _midnight(DAY) + dt.timedelta(hours=13)
    before = _server(synth_conn, as_of)
    for zone in ('Europe/Madrid', 'Pacific/Kiritimati'):  # a DST change in the lookback; UTC+14
        synth_conn.execute("SELECT set_config('TimeZone', %s, false)", (zone,))
        assert _server(synth_conn, as_of) == before, zone
    synth_conn.execute("RESET TimeZone")
    synth_conn.execute("DELETE FROM racing.odds WHERE observed_at > %s", (as_of,))
    assert _server(synth_conn, as_of) == before
    assert any(a is not None for a, _ in before.values())  # prices were seen
