"""Published win probabilities against the closing market: the one evaluation the walk-forward
backtest, `hrdpg models compare` and bench/closing_market.py share.

The market is each runner's last price at or before the off, overround removed: for a source
whose only prices are known at the off (HKJC's final tote odds) it cannot be a model input or a
pre-off blend, but it is the benchmark a fundamental model is judged against. Only races where
every scored runner has such a price are kept. The blend softmax(a log p + b log market) is
cross-fitted: weights fitted on one half of the races (by date) score the other half, so no
race scores itself. Pseudo-R2 against 1/field with 95 % race-bootstrap intervals, paired
across sources (hrdpg.trainer.metrics, the trainer's own arithmetic).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg

from hrdpg.errors import HrdpgError
from hrdpg.trainer import metrics
from hrdpg.trainer.calibrate import Weights, fit_weights, priced_races
from hrdpg.trainer.condlogit import Races

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
MIN_RACES = 20  # each cross-fitting half needs a few races with a winner

# Per race the model's newest publication under the alias, the result, the closing price.
# One pass over the window's signals (the newest as_of by a window, not a self-join): right
# after a backfill the new rows have no statistics yet, and a self-join planned on those
# estimates probed every publication of the alias once per race (a 1M-runner walk-forward
# stalled for over ten minutes on one year).
SCORED_ROWS = """
WITH mine AS (
    SELECT s.race_id, s.horse_id, s.as_of, s.p_win,
           max(s.as_of) OVER (PARTITION BY s.race_id) AS newest
      FROM modeling.signals s
     WHERE s.alias = %(alias)s AND s.model_id = %(model)s
       AND s.race_date BETWEEN %(lo)s AND %(hi)s)
SELECT m.race_id, m.horse_id, coalesce(ru.finish_pos = 1, false)::int::float8 AS won, m.p_win,
       (SELECT o.decimal_odds FROM modeling.src_odds o
         WHERE o.race_id = m.race_id AND o.horse_id = m.horse_id AND o.observed_at <= ra.off_time
         ORDER BY o.observed_at DESC, o.source LIMIT 1)::float8 AS closing_odds
  FROM mine m
  JOIN modeling.src_races ra ON ra.race_id = m.race_id
  JOIN modeling.src_runners ru ON ru.race_id = m.race_id AND ru.horse_id = m.horse_id
 WHERE m.as_of = m.newest
 ORDER BY ra.off_time, m.race_id, m.horse_id
"""


@dataclass
class Closing:
    """Rows of scored races, grouped by race in off-time order."""

    race_id: I64
    horse_id: I64
    won: F64
    model: F64  # published p_win
    market: F64  # closing price, overround removed
    blend: F64  # cross-fitted blend (NaN until cross_fit)

    @property
    def races(self) -> Races:
        return Races.from_rows(self.race_id, self.won)

    @classmethod
    def concat(cls, parts: list[Closing]) -> Closing:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("race_id", "horse_id", "won", "model", "market", "blend")))


def read_closing(conn: psycopg.Connection, date_from: dt.date, date_to: dt.date, alias: str,
                 model_id: int) -> Closing:
    """The model's publications under alias in the window, on races fully priced at the close
    (the blend is not fitted yet)."""
    rows = conn.execute(SCORED_ROWS, {"alias": alias, "model": model_id, "lo": date_from,
                                      "hi": date_to}).fetchall()
    if not rows:
        raise HrdpgError(f"model {model_id} has no signals under alias {alias!r} between "
                         f"{date_from} and {date_to}; score the window first")
    race = np.array([r[0] for r in rows], dtype=np.int64)
    horse = np.array([r[1] for r in rows], dtype=np.int64)
    won = np.array([r[2] for r in rows], dtype=np.float64)
    p = np.array([r[3] for r in rows], dtype=np.float64)
    odds = np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=np.float64)
    keep = priced_races(Races.from_rows(race, won), 1.0 / odds)
    if not keep.any():
        raise HrdpgError(f"no race between {date_from} and {date_to} has a closing price for "
                         "every scored runner; the market comparison needs prices (`hrdpg load`)")
    race, horse, won, p, odds = race[keep], horse[keep], won[keep], p[keep], odds[keep]
    races = Races.from_rows(race, won)
    inv = 1.0 / odds
    market = inv / np.add.reduceat(inv, races.starts)[races.index]
    return Closing(race, horse, won, p, market, np.full(p.size, np.nan))


def cross_fit(c: Closing) -> list[Weights]:
    """Fill c.blend: weights fitted on each half of the races (by date) score the other half.
    Returns the two fits (earlier half's weights first)."""
    races = c.races
    if int(races.has_winner.sum()) < MIN_RACES:
        raise HrdpgError(f"only {int(races.has_winner.sum())} races with a winner and a closing "
                         f"price for every runner; the blend needs at least {MIN_RACES}")
    cut = int(races.starts[races.n // 2])
    log_f, log_m = np.log(c.model), np.log(c.market)
    fits: list[Weights] = []
    for fit, score in ((slice(0, cut), slice(cut, None)), (slice(cut, None), slice(0, cut))):
        sub = Races.from_rows(c.race_id[fit], c.won[fit])
        w = fit_weights(sub, log_f[fit], log_m[fit], alpha_min=None)
        part = Races.from_rows(c.race_id[score], c.won[score])
        c.blend[score] = np.exp(part.log_softmax(w.alpha * log_f[score] + w.beta * log_m[score]))
        fits.append(w)
    return fits


SOURCES = ("model", "market", "blend")
DIFFS = (("model", "market"), ("blend", "market"))


def summarise(c: Closing, seed: int) -> dict[str, Any]:
    """Races, log loss and pseudo-R2 of model, market and blend, bootstrap intervals of those
    and of model - market and blend - market, and the model's calibration (deciles + ECE)."""
    races = c.races
    if not races.has_winner.any():
        raise HrdpgError("no scored race has a winner: nothing to evaluate")
    losses = {k: metrics.race_losses(races, getattr(c, k)) for k in SOURCES}
    uniform = metrics.uniform_race_losses(races)
    boot = metrics.bootstrap_pseudo_r2(losses, uniform, seed, DIFFS)
    ece, _ = metrics.calibration(races, c.won, c.model)
    out: dict[str, Any] = {"races": int(races.has_winner.sum()), "runners": int(c.won.size),
                           "uniform_log_loss": float(uniform.mean())}
    for k in SOURCES:
        out[k] = {"log_loss": float(losses[k].mean()), "pseudo_r2": boot[k]["pseudo_r2"],
                  "lo": boot[k]["lo"], "hi": boot[k]["hi"]}
    for a, b in DIFFS:
        out[f"{a}_minus_{b}"] = boot[f"{a}_minus_{b}"]
    out["bootstrap"] = {k: boot[k] for k in ("resamples", "seed", "level")}
    out["calibration"] = {"ece": ece, "deciles": metrics.decile_table(races, c.won, c.model)}
    return out
