"""What the scorer reads: the day's races, feature rows packed into one bytea, best odds.

Feature rows come back as one `string_agg` of int8send/float8send values (big-endian, NULL as
NaN) and are decoded with one numpy.frombuffer: PL/Python result rows cost a Python object per
value, the packed buffer costs one copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg_pl.model_cache import PLANS, prepared
from hrdpg_pl.scoring_dq import ATTRIBUTE_STAGE

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass
class Races:
    """The races of the date range, sorted by race_id."""

    race_id: I64
    race_date: list[str]
    off_time: list[str]
    as_of: list[str]
    handicap: npt.NDArray[np.bool_]
    country: list[str | None]  # decides the place and each-way rules (market_rules)
    # The same instants as exact integers, for binary COPY: microseconds since 1970-01-01 UTC,
    # race_date as days since 1970-01-01.
    as_of_us: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    off_us: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    day: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        return int(self.race_id.size)


@dataclass
class FeatureRows:
    race_id: I64
    horse_id: I64
    x: F64  # [rows, len(names)], NaN = NULL
    names: list[str]

    def columns(self, names: list[str] | tuple[str, ...]) -> F64:
        pos = {n: i for i, n in enumerate(self.names)}
        return np.ascontiguousarray(self.x[:, [pos[n] for n in names]])


@dataclass
class BestOdds:
    """Per feature row: best decimal odds (NaN = none), its source, time (microseconds since
    1970-01-01 UTC, exact; meaningful where odds is not NaN) and volume."""

    odds: F64
    source: list[str | None]
    observed_us: I64
    volume: F64
    ignored: int = 0  # latest quotes per source that are not a price (NaN, <= 1, too large)
    kind: list[str | None] = field(default_factory=list)  # source_kind of each best price
    # commission of each best price's source (modeling.exchange_terms), 0 where none
    commission: F64 = field(default_factory=lambda: np.zeros(0))


RACES_SQL = """
SELECT ra.race_id, ra.race_date::text AS race_date, ra.off_time::text AS off_time,
       coalesce(ra.handicap, false) AS handicap, ra.country,
       coalesce($3, ra.off_time - interval '1 minute')::text AS as_of,
       (extract(epoch FROM coalesce($3, ra.off_time - interval '1 minute')) * 1000000)::int8
           AS as_of_us,
       (extract(epoch FROM ra.off_time) * 1000000)::int8 AS off_us,
       ra.race_date - date '1970-01-01' AS day
  FROM modeling.src_races ra
 WHERE ra.race_date BETWEEN $1 AND $2
 ORDER BY ra.race_id
"""


def races(plpy: Any, date_from: str, date_to: str, as_of: str | None) -> Races:
    rows = plpy.execute(prepared(plpy, "races", RACES_SQL, ["date", "date", "timestamptz"]),
                        [date_from, date_to, as_of])
    return Races(
        race_id=np.array([int(r["race_id"]) for r in rows], dtype=np.int64),
        race_date=[str(r["race_date"]) for r in rows],
        off_time=[str(r["off_time"]) for r in rows],
        as_of=[str(r["as_of"]) for r in rows],
        handicap=np.array([bool(r["handicap"]) for r in rows], dtype=bool),
        country=[r["country"] for r in rows],
        as_of_us=np.array([int(r["as_of_us"]) for r in rows], dtype=np.int64),
        off_us=np.array([int(r["off_us"]) for r in rows], dtype=np.int64),
        day=np.array([int(r["day"]) for r in rows], dtype=np.int64))


def subset(races: Races, race_ids: I64) -> Races:
    """The races whose ids are in race_ids, still sorted."""
    keep = np.isin(races.race_id, race_ids)
    pos = np.flatnonzero(keep).tolist()
    return Races(race_id=races.race_id[keep], race_date=[races.race_date[i] for i in pos],
                 off_time=[races.off_time[i] for i in pos], as_of=[races.as_of[i] for i in pos],
                 handicap=races.handicap[keep], country=[races.country[i] for i in pos],
                 as_of_us=races.as_of_us[keep], off_us=races.off_us[keep], day=races.day[keep])


def row_dtype(n_features: int) -> np.dtype[np.void]:
    return np.dtype([("race", ">i8"), ("horse", ">i8"), ("x", ">f8", (n_features,))])


def decode_rows(blob: bytes | None, names: list[str]) -> FeatureRows:
    """Decode the packed buffer of scoring_feature_query (16 + 8 * features bytes a row)."""
    dtype = row_dtype(len(names))
    data = bytes(blob or b"")
    if len(data) % dtype.itemsize:
        raise ValueError(f"score: packed feature buffer of {len(data)} bytes is not a multiple "
                         f"of the {dtype.itemsize}-byte row; was a feature cast to non-float8?")
    rec = np.frombuffer(data, dtype=dtype)
    return FeatureRows(race_id=rec["race"].astype(np.int64), horse_id=rec["horse"].astype(np.int64),
                       x=np.ascontiguousarray(rec["x"].astype(np.float64)).reshape(-1, len(names)),
                       names=list(names))


def features(plpy: Any, names: list[str], races: Races) -> FeatureRows:
    """The feature rows of races (declared runners), the market features as of each race's
    as_of (modeling.runner_features_as_of): a replay of a past morning never sees a later
    price. The SQL is generated in SQL (format('%I'), names checked against feature_catalog)."""
    key = "features:" + ",".join(names)
    text_plan = prepared(plpy, "feature_query",
                         "SELECT modeling.scoring_feature_query($1) AS q", ["text[]"])
    if key not in PLANS:
        query = str(plpy.execute(text_plan, [names])[0]["q"])
        PLANS[key] = plpy.prepare(query, ["date", "date", "int8[]", "timestamptz[]"])
    if not races.n:
        return decode_rows(None, names)
    rows = plpy.execute(PLANS[key], [min(races.race_date), max(races.race_date),
                                     races.race_id.tolist(), races.as_of])
    return decode_rows(rows[0]["blob"] if rows else None, names)


# What counts as a price, for the best-odds pick here and the DQ check (scoring_model): a
# decimal price in (1, MAX_DECIMAL_ODDS). The reference racing.odds table has the same CHECK.
MAX_DECIMAL_ODDS = 10000.0

ODDS_SQL = """
WITH req AS (
    SELECT r.race_id, r.as_of, ra.off_time
      FROM unnest($1::int8[], $2::timestamptz[]) AS r(race_id, as_of)
      JOIN modeling.src_races ra ON ra.race_id = r.race_id
), latest AS MATERIALIZED (
    -- The newest quote per runner and source, race by race: read backwards along the odds
    -- key (race_id, horse_id, source, observed_at), so no sort of the chunk's quotes.
    SELECT req.race_id, l.*
      FROM req CROSS JOIN LATERAL (
           SELECT DISTINCT ON (o.horse_id, o.source)
                  o.horse_id, o.source, o.source_kind, o.decimal_odds::float8 AS odds,
                  o.observed_at, o.ew_places, o.ew_fraction::float8 AS ew_fraction,
                  o.volume::float8 AS volume
             FROM modeling.src_odds o
            WHERE o.race_id = req.race_id AND o.observed_at <= req.as_of
              AND o.observed_at < req.off_time
            ORDER BY o.horse_id DESC, o.source DESC, o.observed_at DESC) l
), best AS (
    -- A real price beats a quote that is not one (NaN sorts above every number, 1e308 would
    -- be published as the price); a runner with only such quotes keeps one, which the DQ
    -- check reports and prices as no odds.
    SELECT DISTINCT ON (race_id, horse_id) * FROM latest
     ORDER BY race_id, horse_id, (odds > 1 AND odds < @MAX@) DESC, odds DESC NULLS LAST, source
), terms AS (
    SELECT DISTINCT ON (race_id) race_id, ew_places, ew_fraction FROM latest
     WHERE source_kind = 'bookmaker' AND ew_places IS NOT NULL AND ew_fraction IS NOT NULL
       AND odds > 1 AND odds < @MAX@
     ORDER BY race_id, odds DESC, source
), names AS MATERIALIZED (
    -- Hashed to the few distinct values first, then sorted (array_agg(DISTINCT) sorted every
    -- row of the chunk); materialized, so the blob and the commissions share one evaluation.
    SELECT (SELECT array_agg(source ORDER BY source)
              FROM (SELECT DISTINCT source FROM best) s) AS sources,
           (SELECT array_agg(source_kind ORDER BY source_kind)
              FROM (SELECT DISTINCT source_kind FROM best) k) AS kinds
)
SELECT (SELECT string_agg(int8send(b.race_id) || int8send(b.horse_id)
                          || float8send(coalesce(b.odds, 'NaN'))
                          || float8send(coalesce(b.volume, 'NaN'))
                          || int8send((extract(epoch FROM b.observed_at) * 1000000)::int8)
                          || int4send(array_position(n.sources, b.source))
                          || int4send(coalesce(array_position(n.kinds, b.source_kind), 0)),
                          ''::bytea ORDER BY b.race_id, b.horse_id) FROM best b) AS blob,
       n.sources, n.kinds,
       (SELECT array_agg((modeling.exchange_terms(u.source)).commission ORDER BY u.i)
          FROM unnest(n.sources) WITH ORDINALITY AS u(source, i)) AS commissions,
       (SELECT array_agg(race_id ORDER BY race_id) FROM terms) AS term_race,
       (SELECT array_agg(ew_places ORDER BY race_id) FROM terms) AS term_places,
       (SELECT array_agg(ew_fraction ORDER BY race_id) FROM terms) AS term_fraction,
       (SELECT count(*) FROM latest WHERE NOT (odds > 1 AND odds < @MAX@)) AS ignored
  FROM names n
""".replace("@MAX@", repr(MAX_DECIMAL_ODDS))

# observed_at travels as exact integer microseconds: as text it cost a timestamptz parse per
# published row on the way back in, and bets match it exactly against racing.odds. Source and
# kind travel as 1-based positions in the query's sorted lists of them (0: no kind).
ODDS_DTYPE = np.dtype([("race", ">i8"), ("horse", ">i8"), ("odds", ">f8"), ("volume", ">f8"),
                       ("at", ">i8"), ("source", ">i4"), ("kind", ">i4")])


def row_keys(race_id: I64, horse_id: I64) -> npt.NDArray[np.void]:
    """Sortable composite keys for matching (race, horse) pairs with numpy."""
    key = np.empty(race_id.size, dtype=[("r", "<i8"), ("h", "<i8")])
    key["r"], key["h"] = race_id, horse_id
    return key


def odds(plpy: Any, races: Races, rows: FeatureRows
         ) -> tuple[BestOdds, dict[int, tuple[int, float]]]:
    """Best odds per feature row (as of each race's as_of, before its off), and the each-way
    terms {race_id: (places, fraction)} quoted by the race's best bookmaker price."""
    plan = prepared(plpy, "odds", ODDS_SQL, ["int8[]", "timestamptz[]"])
    res = plpy.execute(plan, [races.race_id.tolist(), races.as_of])[0]
    rec = np.frombuffer(bytes(res["blob"] or b""), dtype=ODDS_DTYPE)
    n = rows.race_id.size
    best = BestOdds(np.full(n, np.nan), [None] * n, np.zeros(n, dtype=np.int64),
                    np.full(n, np.nan), int(res["ignored"] or 0), [None] * n, np.zeros(n))
    if rec.size and n:
        have = row_keys(rec["race"].astype(np.int64), rec["horse"].astype(np.int64))
        want = row_keys(rows.race_id, rows.horse_id)
        pos = np.clip(np.searchsorted(have, want), 0, have.size - 1)
        found = have[pos] == want
        at = pos[found]
        best.odds[found] = rec["odds"][at]
        best.volume[found] = rec["volume"][at]
        best.observed_us[found] = rec["at"][at]
        sources = [None, *(res["sources"] or [])]
        kinds = [None, *(res["kinds"] or [])]
        source_at = rec["source"][at].astype(np.intp)
        best.commission[found] = np.asarray([0.0, *(res["commissions"] or [])],
                                            dtype=np.float64)[source_at]
        rows_found = np.flatnonzero(found).tolist()
        for i, src, kind in zip(rows_found, source_at.tolist(),
                                rec["kind"][at].astype(np.intp).tolist(), strict=True):
            best.source[i] = sources[src]
            best.kind[i] = kinds[kind]
    terms = {int(r): (int(p), float(f)) for r, p, f in zip(
        res["term_race"] or [], res["term_places"] or [], res["term_fraction"] or [],
        strict=True)}
    return best, terms


# Everything of the day that runner_features reads besides earlier days. Results of the day's
# own races are left out: features only use days before the race day.
DECLARATIONS_SQL = """
SELECT md5(coalesce(string_agg(ROW(
           ra.race_id, ra.off_time, ra.course, ra.country, ra.surface, ra.going, ra.distance_m,
           ra.race_class, ra.race_type, ra.handicap, ru.horse_id, ru.jockey_id, ru.trainer_id,
           ru.draw, ru.age, ru.sex, ru.weight_kg, ru.official_rating, ru.speed_figure,
           ru.non_runner OR ru.status IS NOT DISTINCT FROM 'non_runner', d.body_weight_kg,
           d.gear_first_time, rd.rating_band_low, rd.rating_band_high)::text,
       ',' ORDER BY ru.race_id, ru.horse_id), '')) AS fp
  FROM modeling.src_runners ru
  JOIN modeling.src_races ra ON ra.race_id = ru.race_id
  LEFT JOIN modeling.src_runner_details d ON (d.race_id, d.horse_id) = (ru.race_id, ru.horse_id)
  LEFT JOIN modeling.src_race_details rd ON rd.race_id = ru.race_id
 WHERE ra.race_date = $1
"""


def declarations(plpy: Any, race_date: str) -> str:
    """Fingerprint of the day's declarations (stored with each score_day run)."""
    plan = prepared(plpy, "declarations", DECLARATIONS_SQL, ["date"])
    return str(plpy.execute(plan, [race_date])[0]["fp"])


STAGE_FEATURES_SQL = "SELECT name FROM modeling.feature_catalog WHERE stage = ANY ($1)"


def features_of_stages(plpy: Any, stages: list[str]) -> set[str]:
    """The catalogue's features of these stages."""
    plan = prepared(plpy, "features_of_stages", STAGE_FEATURES_SQL, ["text[]"])
    return {str(r["name"]) for r in plpy.execute(plan, [stages])}


def attribute_features(plpy: Any) -> set[str]:
    """The catalogue's declared-attribute features (the content check's)."""
    return features_of_stages(plpy, [ATTRIBUTE_STAGE])
