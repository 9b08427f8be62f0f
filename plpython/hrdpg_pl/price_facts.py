"""What the content checks judge a race's prices by: how old its newest price is, and whether
its course's earlier races were priced at the same point before their off.

Only what was known at each race's as_of: prices observed by then (and before the off), and
earlier races of the same course already off by then. A course's race counts as priced when it
had a price as long before its off, and as early in its day, as this race's as_of: a score at
07:00 is not expected to find prices that only ever come at 08:30.

The database finds each race's newest and first valid price (one pass over its quotes); the
comparison of every race with every earlier race of its course in the lookback is done here, in
exact integer microseconds. As a SQL range join it was most of the query (a chunk's 3,700 races
against 5,200 earlier ones: about 1M course pairs before the date filter). A race's day starts
at midnight UTC of its race_date: a fixed reference, so nothing in the caller's session (its
TimeZone) moves the result; "as early in its day" compares races of one course, whose offset
from UTC is the same but for a daylight-saving change within the lookback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg_pl.model_cache import prepared
from hrdpg_pl.scoring_fetch import MAX_DECIMAL_ODDS, Races

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

DAY_US = 86_400 * 1_000_000
NONE_US = np.iinfo(np.int64).min  # no price (a NULL in the packed rows)
BLOCK = 256  # races compared at once with their course's window (bounds the pair matrix)


@dataclass
class PriceFacts:
    """Per race of a Races (same order), what the content checks judge prices by."""

    newest_age_s: F64  # min(as_of, off) - the newest valid price known then; NaN = none
    history_share: F64  # share of the course's earlier races in the lookback that were
    # priced before their off (as known at as_of); NaN = no such race


# Per chunk race: its course (1-based position in the sorted list; 0 = none) and newest valid
# price as of its as_of. Per earlier race of those courses in the lookback: course, day, off
# and first valid price before its off. Both packed (int8send/int4send, big-endian).
PRICE_FACTS_SQL = """
WITH req AS (
    SELECT r.race_id, r.as_of, ra.off_time, ra.course, ra.race_date
      FROM unnest($1::int8[], $2::timestamptz[]) AS r(race_id, as_of)
      JOIN modeling.src_races ra ON ra.race_id = r.race_id
), names AS (
    SELECT array_agg(DISTINCT course ORDER BY course) FILTER (WHERE course IS NOT NULL) AS c
      FROM req
), hist AS (
    SELECT h.course, h.race_date, h.off_time,
           (SELECT min(o.observed_at) FROM modeling.src_odds o
             WHERE o.race_id = h.race_id AND o.observed_at < h.off_time
               AND o.decimal_odds > 1 AND o.decimal_odds < @MAX@) AS first_price
      FROM modeling.src_races h
     WHERE h.course IN (SELECT course FROM req)
       AND h.race_date >= (SELECT min(race_date) FROM req) - $3
       AND h.race_date < (SELECT max(race_date) FROM req)
)
SELECT (SELECT string_agg(int8send(req.race_id)
                          || int4send(coalesce(array_position(n.c, req.course), 0))
                          || int8send(coalesce((extract(epoch FROM newest.at) * 1000000)::int8,
                                               @NONE@)), ''::bytea ORDER BY req.race_id)
          FROM req CROSS JOIN LATERAL (
               SELECT max(o.observed_at) AS at FROM modeling.src_odds o
                WHERE o.race_id = req.race_id AND o.observed_at <= req.as_of
                  AND o.observed_at < req.off_time AND o.decimal_odds > 1
                  AND o.decimal_odds < @MAX@) newest) AS races,
       (SELECT string_agg(int4send(array_position(n.c, h.course))
                          || int4send(h.race_date - date '1970-01-01')
                          || int8send((extract(epoch FROM h.off_time) * 1000000)::int8)
                          || int8send(coalesce((extract(epoch FROM h.first_price) * 1000000
                                                )::int8, @NONE@)), ''::bytea)
          FROM hist h) AS hist
  FROM names n
""".replace("@MAX@", repr(MAX_DECIMAL_ODDS)).replace("@NONE@", str(NONE_US))

RACE_DTYPE = np.dtype([("race", ">i8"), ("course", ">i4"), ("newest", ">i8")])
HIST_DTYPE = np.dtype([("course", ">i4"), ("day", ">i4"), ("off", ">i8"), ("first", ">i8")])


@dataclass
class Earlier:
    """The earlier races of one course, sorted by day."""

    day: I64
    off_us: I64
    first_us: I64  # NONE_US = never priced before its off

    def window(self, first_day: int, last_day: int) -> slice:
        return slice(int(np.searchsorted(self.day, first_day, "left")),
                     int(np.searchsorted(self.day, last_day, "left")))


def course_share(day: I64, as_of_us: I64, off_us: I64, earlier: Earlier,
                 lookback_days: int) -> F64:
    """For races of one course: the share of its races dated day - lookback_days .. day - 1
    and off before as_of that had their first price at least as long before their off, and at
    least as early in their day, as as_of is (NaN: no such race)."""
    out = np.full(day.size, np.nan)
    lead = np.maximum(off_us - as_of_us, 0)
    clock = as_of_us - day * DAY_US
    for lo in range(0, day.size, BLOCK):
        b = slice(lo, lo + BLOCK)
        d, a = day[b, None], as_of_us[b, None]
        w = earlier.window(int(day[b].min()) - lookback_days, int(day[b].max()))
        h_day, h_off, h_first = (v[None, w] for v in (earlier.day, earlier.off_us,
                                                      earlier.first_us))
        known = (h_day >= d - lookback_days) & (h_day < d) & (h_off < a)
        cutoff = np.minimum(np.minimum(h_off - lead[b, None], h_day * DAY_US + clock[b, None]), a)
        priced = known & (h_first != NONE_US) & (h_first <= cutoff)
        n = known.sum(axis=1)
        out[b] = np.where(n > 0, priced.sum(axis=1) / np.maximum(n, 1), np.nan)
    return out


def price_facts(plpy: Any, races: Races, lookback_days: int) -> PriceFacts:
    """Freshness and the course's priced history per race, as of each race's as_of."""
    n = races.n
    facts = PriceFacts(np.full(n, np.nan), np.full(n, np.nan))
    if not n:
        return facts
    plan = prepared(plpy, "price_facts", PRICE_FACTS_SQL, ["int8[]", "timestamptz[]", "int4"])
    res = plpy.execute(plan, [races.race_id.tolist(), races.as_of, lookback_days])[0]
    req = np.frombuffer(bytes(res["races"] or b""), dtype=RACE_DTYPE)
    hist = np.frombuffer(bytes(res["hist"] or b""), dtype=HIST_DTYPE)
    pos = np.searchsorted(races.race_id, req["race"].astype(np.int64))
    newest = req["newest"].astype(np.int64)
    seen = newest != NONE_US
    ref = np.minimum(races.as_of_us[pos], races.off_us[pos])
    facts.newest_age_s[pos[seen]] = (ref[seen] - newest[seen]) / 1e6
    course = req["course"].astype(np.int64)
    h_course = hist["course"].astype(np.int64)
    order = np.lexsort((hist["day"], h_course))
    for c in np.unique(course[course > 0]).tolist():
        mine = pos[course == c]
        mine = mine[np.argsort(races.day[mine], kind="stable")]  # blocks of nearby days
        theirs = order[h_course[order] == c]
        earlier = Earlier(hist["day"][theirs].astype(np.int64),
                          hist["off"][theirs].astype(np.int64),
                          hist["first"][theirs].astype(np.int64))
        facts.history_share[mine] = course_share(races.day[mine], races.as_of_us[mine],
                                                 races.off_us[mine], earlier, lookback_days)
    return facts
