"""modeling.reprice_day: re-price a scored day with the latest odds, without inference.

The model's own probabilities (signals.p_model) depend on the model, the feature version and
the features; for a model without market inputs a race day's features depend only on earlier
days and on the day's declarations (runners, jockeys, weights, draws, going ...). When all of
these match the day's last full score_day run, the refresh keeps that run's p_model and
reasons, re-applies the Benter blend with the current market prices, re-reads the odds and
re-prices (place probabilities, fair odds, edges, Kelly stakes, DQ odds check) the races not yet
off. Anything else falls back to a full score_day, and the run row says why. Either way a race
whose signals equal its newest publication is not published again (only_changed).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg_pl import (
    model_cache,
    price_facts,
    scoring,
    scoring_fetch,
    scoring_guards,
    scoring_publish,
)
from hrdpg_pl.model_cache import ModelInfo, prepared
from hrdpg_pl.scoring_dq import PRICE_HISTORY_DAYS
from hrdpg_pl.scoring_model import gate_and_price, market_feature, win_probabilities

BASE_RUN_SQL = """
SELECT r.run_id, r.params ->> 'declarations' AS declarations,
       (r.params ->> 'as_of')::timestamptz AS as_of,
       (SELECT count(*) FROM modeling.src_races ra WHERE ra.race_date = $1) AS races,
       EXISTS (SELECT 1 FROM modeling.dq_results q WHERE q.run_id = r.run_id AND q.blocked)
           AS blocked
  FROM modeling.runs r
 WHERE r.kind = 'score_day' AND r.status = 'ok' AND r.race_date = $1 AND r.model_id = $2
 ORDER BY r.run_id DESC LIMIT 1
"""
# The base run's view of the day: per race the alias's newest publication at or before that
# run's as_of (a race the run left out as unchanged is the earlier publication it equalled).
# The probe's date is $1, not ra.race_date: a parameter prunes signals to its month when
# planning, an outer column only at run time (after planning every partition).
_BASE_ROWS = """
SELECT s.* FROM modeling.src_races ra
 CROSS JOIN LATERAL (SELECT max(n.as_of) AS as_of FROM modeling.signals n
                      WHERE n.alias = $2 AND n.race_date = $1
                        AND n.race_id = ra.race_id AND n.as_of <= $3) newest
  JOIN modeling.signals s ON s.alias = $2 AND s.race_date = ra.race_date
   AND s.race_id = ra.race_id AND s.as_of = newest.as_of
 WHERE ra.race_date = $1
"""
BASE_CHECK_SQL = f"""
SELECT count(DISTINCT b.race_id) FILTER (WHERE b.model_id = $4) AS scored,
       coalesce(bool_or(b.p_model IS NULL OR b.model_id <> $4), false) AS no_p_model
  FROM ({_BASE_ROWS}) b
"""  # noqa: S608 (constants only)
BASE_SIGNALS_SQL = f"""
SELECT count(*)::int8 AS n,
       string_agg(int8send(b.race_id) || int8send(b.horse_id)
                  || float8send(b.p_model), ''::bytea
                  ORDER BY b.race_id, b.horse_id) AS blob,
       array_agg(b.reasons_json::text ORDER BY b.race_id, b.horse_id) AS reasons
  FROM ({_BASE_ROWS}) b
 WHERE b.off_time > $4
"""  # noqa: S608 (constants only)
BASE_DTYPE = np.dtype([("race", ">i8"), ("horse", ">i8"), ("p", ">f8")])

# The base run's declared-attribute shares: the declarations are unchanged, so are they.
BASE_ATTRIBUTES_SQL = """
SELECT array_agg(d.race_id) AS race_id,
       array_agg((d.details ->> 'null_share')::float8) AS share
  FROM modeling.dq_results d
 WHERE d.run_id = $1 AND d.check_name = 'attributes_present'
   AND (d.details ->> 'model_id')::int8 = $2
"""

MARKET_FEATURES_SQL = ("SELECT array_agg(c.name) AS names FROM modeling.feature_catalog c "
                       "WHERE c.feature_group = 'market'")


def _market_inputs(plpy: Any, info: ModelInfo) -> bool:
    names = plpy.execute(prepared(plpy, "market_names", MARKET_FEATURES_SQL, []))[0]["names"]
    return bool(set(names or []) & set(info.feature_names))


def base_attribute_share(plpy: Any, base_run: int, model_id: int,
                         race_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Per race of race_ids: the base run's attributes_present null share (NaN: none)."""
    res = plpy.execute(prepared(plpy, "base_attributes", BASE_ATTRIBUTES_SQL, ["int8", "int8"]),
                       [base_run, model_id])[0]
    got = dict(zip(res["race_id"] or [], res["share"] or [], strict=True))
    return np.array([np.nan if got.get(r) is None else got[r] for r in race_ids.tolist()],
                    dtype=np.float64)


def why_full(plpy: Any, info: ModelInfo, race_date: str, alias: str
             ) -> tuple[str | None, dict[str, Any] | None]:
    """(reason a full score is needed or None, the base score_day run to re-price)."""
    current = model_cache.feature_version(plpy)
    if info.feature_version != current:
        return "feature version changed", None
    if _market_inputs(plpy, info):
        return "the model's inputs include market prices", None
    rows = plpy.execute(prepared(plpy, "base_run", BASE_RUN_SQL, ["date", "int8"]),
                        [race_date, info.model_id])
    if not rows:
        return "no earlier score_day of this model for the day", None
    base = rows[0]
    if base["declarations"] != scoring_fetch.declarations(plpy, race_date):
        return "declarations changed since the last score_day", None
    check = plpy.execute(prepared(plpy, "base_check", BASE_CHECK_SQL,
                                  ["date", "text", "timestamptz", "int8"]),
                         [race_date, alias, base["as_of"], info.model_id])[0]
    if check["no_p_model"]:
        return "the last score_day has no p_model", None
    if base["blocked"] or int(check["scored"]) != int(base["races"]):
        return "some races were not published by the last score_day", None
    return None, base


def _market(plpy: Any, info: ModelInfo, rows: scoring_fetch.FeatureRows,
            races: scoring_fetch.Races) -> npt.NDArray[np.float64] | None:
    """The blend's market column for the base rows as of each race's as_of, exactly as a full
    score_day reads it (NaN where there is none)."""
    name = market_feature(info)
    if name is None:
        return None
    feats = scoring_fetch.features(plpy, [name], races)
    have = scoring_fetch.row_keys(feats.race_id, feats.horse_id)
    want = scoring_fetch.row_keys(rows.race_id, rows.horse_id)
    out = np.full(want.size, np.nan)
    if have.size:
        pos = np.clip(np.searchsorted(have, want), 0, have.size - 1)
        found = have[pos] == want
        out[found] = feats.x[pos[found], 0]
    return out


def reprice_day(plpy: Any, race_date: str, as_of: str, alias: str, wait: bool,
                triggered_by: str) -> int:
    """Returns the runner signals published for the alias (0 when skipped)."""
    t_start = time.perf_counter()
    params: dict[str, Any] = {"as_of": as_of, "alias": alias, "wait": wait}
    scoring_guards.check_as_of(plpy, "reprice_day", as_of)
    if not scoring_guards.lock_dates(plpy, [race_date], wait):
        scoring_publish.skip_run(plpy, "reprice_day", race_date,
                                 {**params, "reason": "another scoring call holds this date"},
                                 triggered_by)
        return 0
    info, _ = model_cache.resolve(plpy, alias, False)
    scoring_guards.check_engine_modules(plpy)
    reason, base = why_full(plpy, info, race_date, alias)
    if base is None:
        return scoring.score_day(plpy, race_date, as_of, alias, True, True, 0.5, triggered_by,
                                 extra={"refresh_fallback": reason}, only_changed=True)
    stats = scoring.Stats()
    run_id = scoring_publish.start_run(plpy, "reprice_day", race_date, info.model_id,
                                       {**params, "base_run_id": base["run_id"]}, triggered_by)
    t0 = time.perf_counter()
    res = plpy.execute(prepared(plpy, "base_signals", BASE_SIGNALS_SQL,
                                ["date", "text", "timestamptz", "timestamptz"]),
                       [race_date, alias, base["as_of"], as_of])[0]
    rec = np.frombuffer(bytes(res["blob"] or b""), dtype=BASE_DTYPE)
    base_reasons = list(res["reasons"] or [])
    rows = scoring_fetch.FeatureRows(race_id=rec["race"].astype(np.int64),
                                     horse_id=rec["horse"].astype(np.int64),
                                     x=np.empty((rec.size, 0)), names=[])
    # Only races not yet off: a started race keeps its last pre-off publication.
    races = scoring_fetch.subset(scoring_fetch.races(plpy, race_date, race_date, as_of),
                                 np.unique(rows.race_id))
    best, terms = scoring_fetch.odds(plpy, races, rows)
    prices = price_facts.price_facts(plpy, races, PRICE_HISTORY_DAYS)
    attribute_share = base_attribute_share(plpy, int(base["run_id"]), info.model_id,
                                           races.race_id)
    lim = scoring.kelly_caps(plpy)
    market = _market(plpy, info, rows, races)
    stats.tick("fetch", time.perf_counter() - t0)
    stats.rows_in = int(rec.size)

    t0 = time.perf_counter()
    own = rec["p"].astype(np.float64)
    p, _ = win_probabilities(info, np.log(own), rows.race_id, market)
    stats.tick("blend", time.perf_counter() - t0)
    s = gate_and_price(p, own, rows.x, rows, races.race_id, races.handicap, races.country,
                       terms, best, lim,
                       1.0, info.model_id,
                       lambda pub: ([base_reasons[i] for i in pub.tolist()], None),
                       prices, attribute_share)
    for k, v in s.timings.items():
        stats.tick(k, v)
    scoring_publish.write_dq(plpy, run_id, s.gate)
    scoring_publish.alert_dq(plpy, run_id, info.model_id, alias, race_date,
                             races.race_id.tolist(), s.gate)
    batch = scoring_publish.SignalBatch(races, run_id, info.feature_version)
    scoring.add_signals(batch, info, s, rows, best, lim)
    t0 = time.perf_counter()
    blocked = int(s.gate.blocked.sum())
    stats.count_written(batch.write(plpy, only_changed=True), alias, len(batch),
                        races.n - blocked)
    stats.tick("upsert", time.perf_counter() - t0)
    stats.tick("total", time.perf_counter() - t_start)
    scoring_publish.finish_run(plpy, run_id, stats.rows_in, stats.rows_out,
                               stats.races_published, blocked, stats.timings,
                               {"base_run_id": base["run_id"], "odds_ignored": best.ignored,
                                **stats.unchanged()})
    return stats.rows_main
