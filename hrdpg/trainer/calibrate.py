"""Temperature of the race softmax and the Benter market blend, fitted on the calibration slice
(held out from both the trees and early stopping).

Temperature T rescales the log-strength (softmax(T s)); it is monotone, keeps the ranking
within a race and lives inside the ONNX graph as one Mul. The blend
c proportional to exp(alpha log f + beta log pi) is the one step outside the graph (racenorm).

The blend is a posterior mode, not a plain maximum likelihood: a Gaussian prior centred on
"publish the model as it is" (alpha 1, beta 0) with sd 0.5 per weight is added to the summed
race log-likelihood. It is worth about as much as a handful of races, so hundreds of
calibration races override it, while a slice that cannot tell the weights apart leaves them
near the model. alpha is bounded at 0: a negative weight would publish the model as an
anti-signal. The fit without that bound and refits on the two time halves of the slice are
kept, and a negative or sign-unstable alpha becomes a warning (docs/training.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
class BlendPrior:
    alpha: float = 1.0
    beta: float = 0.0
    sd: float = 0.5


PRIOR = BlendPrior()
ALPHA_MIN = 0.0
MIN_BLEND_RACES = 50


@dataclass(frozen=True)
class Weights:
    alpha: float
    beta: float
    races: int

    def as_json(self) -> dict[str, float | int]:
        return {"alpha": self.alpha, "beta": self.beta, "races": self.races}


@dataclass(frozen=True)
class Blend:
    alpha: float  # published: prior + alpha >= ALPHA_MIN
    beta: float
    races: int  # races used in the fit (all runners priced)
    unconstrained: Weights  # same prior, alpha free
    halves: tuple[Weights, Weights] | None  # alpha free, earlier and later half of the races

    def warnings(self) -> list[str]:
        out: list[str] = []
        if self.unconstrained.alpha < 0:  # convex fit: then the bounded alpha sits on the bound
            out.append(f"blend: the calibration races put a negative weight (alpha "
                       f"{self.unconstrained.alpha:+.3f}) on the model, i.e. use it as an "
                       f"anti-signal; alpha is held at {ALPHA_MIN:g}, so the published "
                       f"probabilities are the market's alone (beta {self.beta:.3f})")
        fits = [self.unconstrained, *(self.halves or ())]
        if len({np.sign(w.alpha) for w in fits}) > 1:
            shown = ", ".join(f"{w.alpha:+.3f}" for w in fits)
            out.append(f"blend: alpha changes sign across the calibration slice (whole, first "
                       f"half, second half: {shown}); the blend weights are not stable")
        return out

    def as_json(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "beta": self.beta, "fit_races": self.races,
                "market_feature": "mkt_latest_prob",
                "prior": {"alpha": PRIOR.alpha, "beta": PRIOR.beta, "sd": PRIOR.sd},
                "alpha_min": ALPHA_MIN, "unconstrained": self.unconstrained.as_json(),
                "halves": None if self.halves is None else [h.as_json() for h in self.halves]}


def priced_races(races: Races, market: F64) -> npt.NDArray[np.bool_]:
    """Per row: its race has a usable market price for every runner."""
    bad = ~(np.isfinite(market) & (market > 0))
    per_race = np.add.reduceat(bad.astype(np.float64), races.starts)
    return np.asarray(per_race[races.index] == 0)


def fit_weights(races: Races, log_f: F64, log_pi: F64, prior: BlendPrior = PRIOR,
                alpha_min: float | None = ALPHA_MIN) -> Weights:
    """Posterior mode of (alpha, beta): summed race log-likelihood + Gaussian prior."""
    live = races.has_winner[races.index]
    n = float(races.has_winner.sum())
    centre = np.array([prior.alpha, prior.beta])
    ridge = 1.0 / (prior.sd ** 2 * n)  # the prior's weight per race of the mean loss

    def loss(theta: F64) -> tuple[float, F64]:
        lp = races.log_softmax(theta[0] * log_f + theta[1] * log_pi)
        # d/dtheta of -mean sum y log p = mean over races of sum (p - y) x
        resid = np.where(live, np.exp(lp) - races.target, 0.0)
        grad = np.array([np.dot(resid, log_f), np.dot(resid, log_pi)]) / n
        off = theta - centre
        return (races.log_loss(lp) + 0.5 * ridge * float(off @ off), grad + ridge * off)

    start = centre.copy()
    if alpha_min is not None:
        start[0] = max(start[0], alpha_min)
    res = minimize(loss, start, jac=True, method="L-BFGS-B",
                   bounds=[(alpha_min, None), (None, None)],
                   options={"ftol": 1e-13, "gtol": 1e-9})
    return Weights(float(res.x[0]), float(res.x[1]), races.n)


def _halves(races: Races, log_f: F64, log_pi: F64) -> tuple[Weights, Weights] | None:
    """alpha-free refits on the earlier and the later half of the races (rows are in time
    order), or None when a half has no race with a winner."""
    cut = int(races.starts[races.n // 2])
    parts = []
    for sl in (slice(0, cut), slice(cut, None)):
        sub = Races.from_rows(races.index[sl], races.target[sl])
        if not sub.has_winner.any():
            return None
        parts.append(fit_weights(sub, log_f[sl], log_pi[sl], alpha_min=None))
    return parts[0], parts[1]


def fit_blend(race_id: npt.NDArray[np.int64], won: F64, log_f: F64, market: F64) -> Blend | None:
    """The blend on races where every runner is priced; None if too few such races."""
    full = Races.from_rows(race_id, won)
    keep = priced_races(full, market)
    if keep.sum() == 0:
        return None
    races = Races.from_rows(race_id[keep], won[keep])
    if int(races.has_winner.sum()) < MIN_BLEND_RACES:
        return None
    a, b = log_f[keep], np.log(market[keep])
    published = fit_weights(races, a, b)
    return Blend(published.alpha, published.beta, races.n,
                 fit_weights(races, a, b, alpha_min=None), _halves(races, a, b))
