"""modeling.score_day, and the scoring of a date range that score_range's chunks share
(scoring_range): in the database, in one transaction.

Order: per-date advisory lock -> models by alias (cached sessions) -> refresh_features ->
packed feature rows -> best odds -> per model: infer, normalise, DQ gate, price, explain ->
one signals upsert -> run row. Any error propagates and the caller's transaction rolls back,
so nothing is half-published; the caller (CLI, scheduler) records the failure.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hrdpg_pl import model_cache, price_facts, scoring_fetch, scoring_publish
from hrdpg_pl.model_cache import LoadedModel, ModelInfo, prepared
from hrdpg_pl.risk_defaults import DEFAULT_CAPS, DEFAULT_PROFILE, KellyCaps
from hrdpg_pl.scoring_dq import HISTORY_STAGES, PRICE_HISTORY_DAYS
from hrdpg_pl.scoring_guards import check_as_of, check_engine_modules, fail, lock_dates
from hrdpg_pl.scoring_model import Scored, score
from hrdpg_pl.scoring_publish import SignalBatch

# The per-race cap is a money limit of the profile; as a fraction it is of the bankroll the
# profile has now (risk_state's bankroll_now), the one propose_bets sizes with.
CAPS_SQL = """
SELECT kelly_multiplier::float8 AS kelly_multiplier,
       max_stake_fraction::float8 AS max_stake_fraction,
       CASE WHEN halted THEN 0 WHEN bankroll_now > 0
            THEN least(1, max_stake_per_race / bankroll_now) ELSE 0 END::float8
           AS max_race_fraction,
       min_liquidity::float8 AS min_liquidity, halted
  FROM modeling.risk_state($1)
"""


@dataclass
class Stats:
    rows_in: int = 0
    rows_out: int = 0
    rows_main: int = 0
    races_published: int = 0
    races_blocked: int = 0
    races_unchanged: int = 0  # passed the gate, equal to their last publication, not re-written
    rows_unchanged: int = 0
    odds_ignored: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)

    def tick(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds * 1000.0

    def count_written(self, written: dict[str, tuple[int, int]], alias: str, computed: int,
                      passed: int) -> None:
        """Add an upsert's counts: rows_out over every alias, rows and races of the main alias;
        what was computed but equalled the last publication goes to the unchanged counts."""
        rows, races = written.get(alias, (0, 0))
        self.rows_out += sum(n for n, _ in written.values())
        self.rows_main += rows
        self.races_published += races
        self.rows_unchanged += computed - sum(n for n, _ in written.values())
        self.races_unchanged += passed - races

    def unchanged(self) -> dict[str, int]:
        """For the run row's params: what a publish-everything refresh would have re-written."""
        return {"races_unchanged": self.races_unchanged, "rows_unchanged": self.rows_unchanged}


CATALOG_SQL = "SELECT name FROM modeling.feature_catalog"
SKIPPED_ALERT_SQL = ("SELECT modeling.raise_alert('warning', 'model', $1, $2, $3::jsonb)")


def unusable(info: ModelInfo, current_version: str, catalog: set[str]) -> str | None:
    """Why this database cannot score the model, or None."""
    if info.feature_version != current_version:
        return (f"it was trained on feature version {info.feature_version}, the database "
                f"computes {current_version}")
    unknown = [n for n in info.feature_names if n not in catalog]
    if unknown:
        return "it reads feature(s) the catalogue does not have: " + ", ".join(unknown)
    return None


def load_models(plpy: Any, alias: str, challengers: bool, stats: Stats) -> list[LoadedModel]:
    """The alias's model (any problem stops the call) and the challengers that can be scored:
    a broken challenger is skipped with a warning alert, so production still publishes."""
    t0 = time.perf_counter()
    main, others = model_cache.resolve(plpy, alias, challengers)
    check_engine_modules(plpy)
    current = model_cache.feature_version(plpy)
    catalog = {str(r["name"]) for r in plpy.execute(prepared(plpy, "catalog", CATALOG_SQL, []))}
    problem = unusable(main, current, catalog)
    if problem is not None:
        fail(plpy, f"score: {main.label} cannot be scored: {problem}; nothing scored",
             "Retrain on the current features (`hrdpg train ... --promote " + alias + "`) or "
             "roll the alias back to a model trained on them (`hrdpg models rollback --alias "
             + alias + "`).")
    loaded = []
    for info in [main, *others]:
        problem = None if info is main else unusable(info, current, catalog)
        if problem is None:
            try:
                model, hit = model_cache.load(plpy, info)
            except Exception as exc:
                if info is main:
                    raise
                # Our own messages only: onnxruntime's text could quote bytes of a file.
                problem = (str(exc) if isinstance(exc, model_cache.ArtifactError)
                           else "its artifact does not load")
        if problem is not None:
            stats.models[info.alias] = {"model_id": info.model_id, "skipped": problem}
            plpy.execute(prepared(plpy, "skipped_alert", SKIPPED_ALERT_SQL,
                                  ["text", "text", "text"]),
                         [f"model:{info.model_id}:skipped",
                          f"challenger {info.label} was not scored: {problem}",
                          json.dumps({"model_id": info.model_id, "alias": info.alias})])
            continue
        stats.models[info.alias] = {"model_id": info.model_id, "cached": hit}
        loaded.append(model)
    stats.tick("load", time.perf_counter() - t0)
    return loaded


def kelly_caps(plpy: Any, profile: str = DEFAULT_PROFILE) -> KellyCaps:
    """The profile's caps as bankroll fractions (no stakes while it is halted); the defaults
    when the profile has no risk_limits row."""
    rows = plpy.execute(prepared(plpy, "kelly_caps", CAPS_SQL, ["text"]), [profile])
    if not rows:
        return DEFAULT_CAPS
    r = rows[0]
    return KellyCaps(float(r["kelly_multiplier"]),
                     0.0 if r["halted"] else float(r["max_stake_fraction"]),
                     float(r["max_race_fraction"]), float(r["min_liquidity"]))


def add_signals(batch: SignalBatch, info: ModelInfo, s: Scored,
                rows: scoring_fetch.FeatureRows, best: scoring_fetch.BestOdds,
                lim: KellyCaps) -> None:
    """The published rows of one model as column parts (numpy where possible, so the bulk
    path encodes them without a Python object per value)."""
    pub = s.rows
    n = int(pub.size)
    if not n or s.priced is None:
        return
    pr = s.priced
    race_pos = np.searchsorted(batch.races.race_id, rows.race_id[pub]) + 1
    win_only = s.places < 2
    has_odds = np.isfinite(s.odds)
    vol = best.volume[pub]
    src = batch.source_slots([best.source[i] if o else None
                              for i, o in zip(pub.tolist(), has_odds.tolist(), strict=True)])
    withheld = s.gate.withheld
    batch.extend(
        race_slot=race_pos.astype(np.int64), horse_id=rows.horse_id[pub],
        model_slot=np.full(n, batch.model_slot(info.model_id, info.alias), dtype=np.int64),
        p_win=s.p_win[pub], p_model=s.p_model[pub],
        p_place=np.where(win_only, np.nan, pr.p_place),
        # ew_places = places the place market pays; ew_fraction NULL = no each-way offered.
        ew_places=(s.places.astype(np.int64), win_only),
        ew_fraction=np.where(win_only | (s.fraction <= 0), np.nan, s.fraction),
        fair_win_odds=np.asarray(pr.fair_win_odds, dtype=np.float64),
        fair_place_odds=np.where(win_only, np.nan, pr.fair_place_odds),
        best_win_odds=np.asarray(s.odds, dtype=np.float64), source_slot=src,
        at_us=(best.observed_us[pub], ~has_odds),
        edge_win=pr.ev_win, edge_each_way=pr.ev_each_way,
        kelly_fraction=pr.kelly_win, stake_fraction=pr.stake_win,
        liquidity_ok=(vol >= lim.min_liquidity, ~(has_odds & np.isfinite(vol))),
        reasons_json=s.reasons,
        stake_withheld=[",".join(withheld[r]) if r in withheld else None
                        for r in rows.race_id[pub].tolist()])


def score_dates(plpy: Any, run_id: int, date_from: str, date_to: str, as_of: str | None,
                models: list[LoadedModel], max_null_share: float, stats: Stats,
                refresh: bool = True, only_changed: bool = False, bulk: bool = False,
                reasons: bool = True, check_once: bool = False) -> Stats:
    """Score every race dated date_from..date_to with each model; as_of None means each
    race's off_time - 1 minute. Writes signals and dq_results under run_id. refresh False
    reads the feature store as it is (the caller knows it is current); only_changed publishes
    only the races whose signals differ from their newest publication (a refresh); bulk
    writes by binary COPY when that gives what the upsert would (scoring_bulk), check_once
    with one foreign-key check per chunk (a backfill chunk); reasons False publishes no reasons
    (score_range's research option)."""
    if refresh:
        t0 = time.perf_counter()
        plpy.execute(prepared(plpy, "refresh", "SELECT modeling.refresh_features($1, $2)",
                              ["date", "date"]), [date_from, date_to])
        stats.tick("features", time.perf_counter() - t0)

    t0 = time.perf_counter()
    races = scoring_fetch.races(plpy, date_from, date_to, as_of)
    names: list[str] = []
    for m in models:
        extra = [m.info.params.get("blend", {}).get("market_feature", "mkt_latest_prob")] \
            if isinstance(m.info.params.get("blend"), dict) else []
        for n in [*m.info.feature_names, *extra]:  # each column once, however often named
            if n not in names:
                names.append(n)
    t1 = time.perf_counter()
    rows = scoring_fetch.features(plpy, names, races)
    t2 = time.perf_counter()
    best, terms = scoring_fetch.odds(plpy, races, rows)
    t3 = time.perf_counter()
    prices = price_facts.price_facts(plpy, races, PRICE_HISTORY_DAYS)
    stats.tick("fetch_features", t2 - t1)
    stats.tick("fetch_odds", t3 - t2)
    stats.tick("fetch_prices", time.perf_counter() - t3)
    attributes = scoring_fetch.attribute_features(plpy)
    history = scoring_fetch.features_of_stages(plpy, list(HISTORY_STAGES))
    stats.odds_ignored += best.ignored
    lim = kelly_caps(plpy)
    stats.tick("fetch", time.perf_counter() - t0)
    stats.rows_in += int(rows.race_id.size)

    batch = SignalBatch(races, run_id, models[0].info.feature_version)
    gates = []
    passed = 0
    for i, model in enumerate(models):
        s = score(model, rows, races.race_id, races.handicap, races.country, terms, best, lim,
                  max_null_share, prices, attributes, reasons, history)
        for k, v in s.timings.items():
            stats.tick(k, v)
        gates.append(s.gate)
        add_signals(batch, model.info, s, rows, best, lim)
        info = stats.models.setdefault(model.info.alias, {"model_id": model.info.model_id})
        if s.explain_error:
            info["explain_error"] = s.explain_error
        if i == 0:
            scoring_publish.alert_dq(
                plpy, run_id, model.info.model_id, model.info.alias,
                date_from if date_from == date_to else f"{date_from}..{date_to}",
                races.race_id.tolist(), s.gate)
            blocked = int(s.gate.blocked.sum())
            stats.races_blocked += blocked
            passed = races.n - blocked
    t0 = time.perf_counter()
    use_copy = False
    if bulk and not only_changed:
        # Imported here: only a backfill writes by COPY, and its imports (tempfile, pathlib,
        # decimal: about 10 ms) would be paid by every new backend's score_day and reprice_day.
        from hrdpg_pl import scoring_bulk
        use_copy = scoring_bulk.can_copy(plpy, batch)
    if use_copy:
        written = scoring_bulk.write(plpy, batch, gates, check_once)  # dq_results too
        stats.tick("copy", time.perf_counter() - t0)  # the stage name says which path ran
    else:
        for g in gates:
            scoring_publish.write_dq(plpy, run_id, g)
        stats.tick("dq", time.perf_counter() - t0)
        t0 = time.perf_counter()
        written = batch.write(plpy, only_changed)
        stats.tick("upsert", time.perf_counter() - t0)
    for model in models:
        info = stats.models[model.info.alias]
        info["rows"] = info.get("rows", 0) + written.get(model.info.alias, (0, 0))[0]
    stats.count_written(written, models[0].info.alias, len(batch), passed)
    return stats


def score_day(plpy: Any, race_date: str, as_of: str, alias: str, challengers: bool,
              wait: bool, max_null_share: float, triggered_by: str,
              extra: dict[str, Any] | None = None, only_changed: bool = False) -> int:
    """Returns the number of runner signals published for the alias (0 when skipped).
    extra: more run parameters to record (reprice_day's reason for a full score);
    only_changed: reprice_day's fallback, which publishes only what changed."""
    t_start = time.perf_counter()
    params: dict[str, Any] = {"as_of": as_of, "alias": alias, "challengers": challengers,
                              "wait": wait, "max_null_share": max_null_share, **(extra or {})}
    check_as_of(plpy, "score_day", as_of)
    if not (0.0 <= max_null_share <= 1.0):
        fail(plpy, f"score_day: max_null_share {max_null_share} is not in [0, 1]",
             "Pass a share, e.g. 0.5.", "22023")
    if not lock_dates(plpy, [race_date], wait):
        scoring_publish.skip_run(plpy, "score_day", race_date,
                                 {**params, "reason": "another score_day holds this date"},
                                 triggered_by)
        return 0
    stats = Stats()
    models = load_models(plpy, alias, challengers, stats)
    # What reprice_day compares to know the features are unchanged (locked: stable until commit).
    params["declarations"] = scoring_fetch.declarations(plpy, race_date)
    run_id = scoring_publish.start_run(plpy, "score_day", race_date, models[0].info.model_id,
                                       params, triggered_by)
    # A day's few hundred rows: the COPY path measured no faster than the array upsert (CPU
    # 28.0 vs 27.7 ms for 747 rows), so the day keeps the upsert.
    score_dates(plpy, run_id, race_date, race_date, as_of, models, max_null_share, stats,
                only_changed=only_changed)
    stats.tick("total", time.perf_counter() - t_start)
    scoring_publish.finish_run(plpy, run_id, stats.rows_in, stats.rows_out,
                               stats.races_published, stats.races_blocked, stats.timings,
                               {"models": stats.models, "odds_ignored": stats.odds_ignored,
                                **stats.unchanged()})
    return stats.rows_main
