"""The engine's published win probabilities against the closing market, for sources whose
only prices are known at the off (HKJC's final tote odds): such a market cannot be a model
input or a pre-off blend, but it is the benchmark a fundamental model is judged against.

Reads a scored window from modeling.signals (the production alias's latest publication per
race, in-database probabilities) and the last price observed at or before the off. The blend
softmax(a log p + b log market) is cross-fitted: weights fitted on one half of the races
(by date) score the other half, so no race scores itself. Pseudo-R2 against 1/field, 95%
race-bootstrap intervals (hrdpg.trainer.metrics, the trainer's own arithmetic).

    python bench/closing_market.py --dsn DSN --from 2022-01-01 --to 2022-12-31
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np
import psycopg

from hrdpg.trainer.calibrate import fit_weights, priced_races
from hrdpg.trainer.condlogit import Races
from hrdpg.trainer.metrics import bootstrap_pseudo_r2, uniform_race_losses

ROWS = """
SELECT s.race_id, s.horse_id, coalesce(ru.finish_pos = 1, false)::int::float8 AS won, s.p_win,
       (SELECT o.decimal_odds FROM modeling.src_odds o
         WHERE o.race_id = s.race_id AND o.horse_id = s.horse_id AND o.observed_at <= ra.off_time
         ORDER BY o.observed_at DESC, o.source LIMIT 1) AS closing_odds
  FROM modeling.latest_signals s
  JOIN modeling.src_races ra ON ra.race_id = s.race_id
  JOIN modeling.src_runners ru ON ru.race_id = s.race_id AND ru.horse_id = s.horse_id
 WHERE s.race_date BETWEEN %s AND %s AND s.model_id = (
       SELECT model_id FROM modeling.model_aliases WHERE alias = %s)
 ORDER BY ra.off_time, s.race_id, s.horse_id
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--from", dest="lo", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--to", dest="hi", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--alias", default="production")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with psycopg.connect(a.dsn) as conn:
        rows = conn.execute(ROWS, (a.lo, a.hi, a.alias)).fetchall()
    race = np.array([r[0] for r in rows], dtype=np.int64)
    won = np.array([r[2] for r in rows], dtype=np.float64)
    p = np.array([r[3] for r in rows], dtype=np.float64)
    odds = np.array([np.nan if r[4] is None else float(r[4]) for r in rows])
    keep = priced_races(Races.from_rows(race, won), 1.0 / odds)
    race, won, p, odds = race[keep], won[keep], p[keep], odds[keep]
    races = Races.from_rows(race, won)
    inv = 1.0 / odds
    market = inv / np.add.reduceat(inv, races.starts)[races.index]  # overround removed
    log_f, log_m = np.log(p), np.log(market)
    blend = np.empty_like(p)
    cut = int(races.starts[races.n // 2])
    for fit, score in ((slice(0, cut), slice(cut, None)), (slice(cut, None), slice(0, cut))):
        sub = Races.from_rows(race[fit], won[fit])
        w = fit_weights(sub, log_f[fit], log_m[fit], alpha_min=None)
        part = Races.from_rows(race[score], won[score])
        blend[score] = np.exp(part.log_softmax(w.alpha * log_f[score] + w.beta * log_m[score]))
        print(f"blend fitted on {sub.n} races: alpha {w.alpha:.3f}, beta {w.beta:.3f}")
    losses = {"model": races.race_losses(np.log(p)), "market": races.race_losses(log_m),
              "blend": races.race_losses(np.log(blend))}
    boot = bootstrap_pseudo_r2(losses, uniform_race_losses(races), a.seed,
                               diffs=(("model", "market"), ("blend", "market")))
    print(f"{races.n} races with a closing price for every runner, {a.lo} .. {a.hi}")
    for name, v in boot.items():
        if not isinstance(v, dict):
            continue
        print(f"{name:>18}: pseudo-R2 {v['pseudo_r2']:+.4f}  95% [{v['lo']:+.4f}, {v['hi']:+.4f}]")


if __name__ == "__main__":
    main()
