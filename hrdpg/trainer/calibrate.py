"""Temperature of the race softmax and the Benter market blend, both by maximum likelihood on
held-out races.

Temperature T rescales the log-strength (softmax(T s)); it is monotone, keeps the ranking
within a race and lives inside the ONNX graph as one Mul. The blend
c proportional to exp(alpha log f + beta log pi) is the one step outside the graph (racenorm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize, minimize_scalar

from hrdpg.trainer.condlogit import Races

F64 = npt.NDArray[np.float64]


def fit_temperature(races: Races, score: F64) -> float:
    res = minimize_scalar(lambda t: races.log_loss(races.log_softmax(t * score)),
                          bounds=(0.05, 5.0), method="bounded", options={"xatol": 1e-6})
    return float(res.x)


@dataclass(frozen=True)
class Blend:
    alpha: float
    beta: float
    races: int  # races used in the fit (all runners priced)

    def as_json(self) -> dict[str, float | int | str]:
        return {"alpha": self.alpha, "beta": self.beta, "fit_races": self.races,
                "market_feature": "mkt_latest_prob"}


def priced_races(races: Races, market: F64) -> npt.NDArray[np.bool_]:
    """Per row: its race has a usable market price for every runner."""
    bad = ~(np.isfinite(market) & (market > 0))
    per_race = np.add.reduceat(bad.astype(np.float64), races.starts)
    return np.asarray(per_race[races.index] == 0)


def fit_blend(race_id: npt.NDArray[np.int64], won: F64, log_f: F64, market: F64) -> Blend | None:
    """ML (alpha, beta) on races where every runner is priced; None if too few such races."""
    full = Races.from_rows(race_id, won)
    keep = priced_races(full, market)
    if keep.sum() == 0:
        return None
    races = Races.from_rows(race_id[keep], won[keep])
    if int(races.has_winner.sum()) < 50:
        return None
    a, b = log_f[keep], np.log(market[keep])

    def loss(theta: F64) -> tuple[float, F64]:
        s = theta[0] * a + theta[1] * b
        lp = races.log_softmax(s)
        p = np.exp(lp)
        live = races.has_winner[races.index]
        # d/dtheta of -mean sum y log p = mean over races of sum (p - y) x
        resid = np.where(live, p - races.target, 0.0)
        n = float(races.has_winner.sum())
        grad = np.array([np.dot(resid, a), np.dot(resid, b)]) / n
        return races.log_loss(lp), grad

    res = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return Blend(float(res.x[0]), float(res.x[1]), races.n)
