"""modeling.propose_bets: read the day's signals and the ledger, size, run the risk manager,
write every decision in one INSERT ... SELECT FROM unnest (see bets_risk for the rules).

The caller holds the profile's advisory lock for the whole transaction, so two calls for one
profile run one after the other and each sees the other's bets.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hrdpg_pl.bets_risk import RiskLimits, Signal, Usage, decide
from hrdpg_pl.model_cache import prepared

# The one reader of a profile's state; the caller holds the profile's advisory lock and
# enforce_risk_limits has locked its row, so the state stays as read until commit.
STATE_SQL = "SELECT * FROM modeling.risk_state($1, $2)"

RACE_USAGE_SQL = """
SELECT b.race_id, sum(b.stake) AS stake, count(*) AS n
  FROM modeling.bets b
 WHERE b.profile = $1 AND b.race_date = $2 AND b.status <> 'rejected'
 GROUP BY b.race_id
"""

# The newest production publication per race as of $3 (NULL: the newest there is, for replays)
# of races not yet off at $3; runners already bet by this profile or withdrawn by then are out.
# n.race_date = $2 (not s.race_date): the planner prunes signals to the month of $2.
CANDIDATES_SQL = """
SELECT s.race_id, s.horse_id, s.model_id, s.as_of::text AS as_of, s.p_win, s.p_place,
       s.ew_places, s.ew_fraction::float8 AS ew_fraction, s.best_win_odds AS odds,
       s.best_odds_source AS source, s.edge_win, s.edge_each_way, o.volume::float8 AS volume,
       (modeling.exchange_terms(s.best_odds_source)).commission AS commission
  FROM modeling.signals s
  LEFT JOIN modeling.src_odds o
         ON o.race_id = s.race_id AND o.horse_id = s.horse_id
        AND o.source = s.best_odds_source AND o.observed_at = s.best_odds_at
 WHERE s.alias = 'production' AND s.race_date = $2 AND s.best_win_odds IS NOT NULL
   AND ($3::timestamptz IS NULL OR (s.as_of <= $3 AND s.off_time > $3))
   AND s.as_of = (SELECT max(n.as_of) FROM modeling.signals n
                   WHERE n.alias = 'production' AND n.race_date = $2
                     AND n.race_id = s.race_id AND ($3::timestamptz IS NULL OR n.as_of <= $3))
   AND NOT EXISTS (SELECT 1 FROM modeling.bets b
                    WHERE b.profile = $1 AND b.race_id = s.race_id
                      AND b.horse_id = s.horse_id AND b.status <> 'rejected')
   AND NOT EXISTS (SELECT 1 FROM modeling.src_runners r
                    WHERE r.race_id = s.race_id AND r.horse_id = s.horse_id
                      AND (r.non_runner OR r.status = 'non_runner')
                      AND (r.withdrawn_at IS NULL OR r.withdrawn_at <= s.as_of))
 ORDER BY s.off_time, s.race_id,
          greatest(coalesce(s.edge_win, '-Infinity'), coalesce(s.edge_each_way, '-Infinity'))
              DESC, s.horse_id
"""

# A runner keeps one rejection per profile, the newest: the refreshes near the off publish a
# signal a minute and each would otherwise add a row (and skew the P&L view's counts). The
# decision being inserted for the runner replaces it, rejected again or accepted.
INSERT_SQL = """
WITH replaced AS (
    DELETE FROM modeling.bets b
     USING unnest($4::int8[], $5::int8[], $6::int8[], $7::timestamptz[], $17::text[])
           AS k(race_id, horse_id, model_id, signal_as_of, reject_reason)
     WHERE b.profile = $1 AND b.status = 'rejected'
       AND b.race_id = k.race_id AND b.horse_id = k.horse_id
       -- the same rejection again stays as it is (the insert then records nothing)
       AND (b.model_id, b.signal_as_of, b.reject_reason)
           IS DISTINCT FROM (k.model_id, k.signal_as_of, k.reject_reason)
)
INSERT INTO modeling.bets
    (profile, race_date, dry_run, race_id, horse_id, model_id, signal_as_of, bet_type, stake,
     odds, odds_source, ew_places, ew_fraction, p_win, edge, status, reject_reason,
     reject_details)
SELECT $1, $2, $3, u.race_id, u.horse_id, u.model_id, u.signal_as_of, u.bet_type, u.stake,
       u.odds, u.odds_source, u.ew_places, u.ew_fraction::numeric(4, 3), u.p_win, u.edge,
       u.status, u.reject_reason, u.reject_details
  FROM unnest($4::int8[], $5::int8[], $6::int8[], $7::timestamptz[], $8::text[],
              $9::numeric[], $10::float8[], $11::text[], $12::int2[], $13::float8[],
              $14::float8[], $15::float8[], $16::text[], $17::text[], $18::jsonb[])
       AS u(race_id, horse_id, model_id, signal_as_of, bet_type, stake, odds, odds_source,
            ew_places, ew_fraction, p_win, edge, status, reject_reason, reject_details)
ON CONFLICT DO NOTHING
RETURNING bet_id, race_id, horse_id, bet_type, stake, odds, edge, status, reject_reason
"""
INSERT_TYPES = ["text", "date", "boolean", "int8[]", "int8[]", "int8[]", "timestamptz[]",
                "text[]", "numeric[]", "float8[]", "text[]", "int2[]", "float8[]", "float8[]",
                "float8[]", "text[]", "text[]", "jsonb[]"]


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


def _state(plpy: Any, profile: str, race_date: str) -> tuple[RiskLimits, Usage]:
    """The profile's limits and what the ledger already uses, from modeling.risk_state."""
    rows = plpy.execute(prepared(plpy, "bets_state", STATE_SQL, ["text", "date"]),
                        [profile, race_date])
    if not rows:
        known = plpy.execute("SELECT string_agg(profile, ', ' ORDER BY profile) AS p "
                             "FROM modeling.risk_limits")[0]["p"]
        plpy.error(f"propose_bets: unknown risk profile {profile!r}; the profiles are: "
                   f"{known or 'none'}",
                   hint="Pass one of them (--profile) or add a row to modeling.risk_limits.",
                   sqlstate="22023")
    r = rows[0]
    lim = RiskLimits(
        bankroll=Decimal(r["bankroll_now"]), kelly_multiplier=float(r["kelly_multiplier"]),
        min_edge=float(r["min_edge"]), max_stake_fraction=float(r["max_stake_fraction"]),
        max_stake_per_bet=Decimal(r["max_stake_per_bet"]),
        max_stake_per_race=Decimal(r["max_stake_per_race"]),
        max_stake_per_day=Decimal(r["max_stake_per_day"]),
        max_bets_per_race=int(r["max_bets_per_race"]),
        max_bets_per_day=int(r["max_bets_per_day"]),
        max_pending_exposure=Decimal(r["max_pending_exposure"]),
        daily_loss_limit=Decimal(r["daily_loss_limit"]),
        min_liquidity=float(r["min_liquidity"]),
        realised_today=Decimal(r["realised_today"]), halted=bool(r["halted"]))
    use = Usage(day_stake=Decimal(r["day_stake"]), day_bets=int(r["day_bets"]),
                pending=Decimal(r["pending"]), day_open=Decimal(r["day_open"]))
    for row in plpy.execute(prepared(plpy, "bets_race_usage", RACE_USAGE_SQL,
                                     ["text", "date"]), [profile, race_date]):
        use.race_stake[int(row["race_id"])] = Decimal(row["stake"])
        use.race_bets[int(row["race_id"])] = int(row["n"])
    return lim, use


def propose(plpy: Any, profile: str, race_date: str, as_of: str | None,
            dry_run: bool) -> list[dict[str, Any]]:
    """Record the day's bet decisions for a profile; returns the rows this call inserted."""
    lim, use = _state(plpy, profile, race_date)
    rows = plpy.execute(prepared(plpy, "bets_candidates", CANDIDATES_SQL,
                                 ["text", "date", "timestamptz"]), [profile, race_date, as_of])
    signals = [Signal(race_id=int(r["race_id"]), p_win=float(r["p_win"]),
                      p_place=_opt(r["p_place"]), odds=float(r["odds"]),
                      ew_places=r["ew_places"], ew_fraction=_opt(r["ew_fraction"]),
                      edge_win=_opt(r["edge_win"]), edge_each_way=_opt(r["edge_each_way"]),
                      volume=_opt(r["volume"]), commission=float(r["commission"]))
               for r in rows]
    decisions = decide(signals, lim, use)
    if not decisions:
        return []
    cols: dict[str, list[Any]] = {k: [] for k in (
        "race_id", "horse_id", "model_id", "as_of", "bet_type", "stake", "odds", "source",
        "ew_places", "ew_fraction", "p_win", "edge", "status", "reason", "details")}
    for d in decisions:
        r = rows[d.index]
        ew = d.sized.bet_type == "each_way"
        for key, value in (
                ("race_id", r["race_id"]), ("horse_id", r["horse_id"]),
                ("model_id", r["model_id"]), ("as_of", r["as_of"]),
                ("bet_type", d.sized.bet_type), ("stake", d.sized.stake), ("odds", r["odds"]),
                ("source", r["source"]), ("ew_places", r["ew_places"] if ew else None),
                ("ew_fraction", r["ew_fraction"] if ew else None), ("p_win", r["p_win"]),
                ("edge", d.sized.edge),
                ("status", "rejected" if d.reject else "proposed"),
                ("reason", d.reject[0] if d.reject else None),
                ("details", json.dumps(d.reject[1]) if d.reject else None)):
            cols[key].append(value)
    plan = prepared(plpy, "bets_insert", INSERT_SQL, INSERT_TYPES)
    out = plpy.execute(plan, [profile, race_date, dry_run] + list(cols.values()))
    return [dict(row) for row in out]
