"""The regularised Benter blend: recovers known weights, stays at the prior without evidence,
and never publishes a negative model weight without saying so."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hrdpg.trainer.calibrate import PRIOR, BlendPrior, fit_blend, fit_weights
from hrdpg.trainer.condlogit import Races

F64 = npt.NDArray[np.float64]


def simulate(seed: int, n_races: int, alpha: float, beta: float,
             spread: float = 1.5) -> tuple[npt.NDArray[np.int64], F64, F64, F64]:
    """Races whose winners are drawn from exp(alpha log f + beta log pi), f and pi
    independent race softmaxes of normal scores with sd ``spread``."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(5, 14, size=n_races)
    ids = np.repeat(np.arange(n_races, dtype=np.int64), sizes)
    races = Races.from_rows(ids, np.zeros(ids.size))
    log_f = races.log_softmax(spread * rng.normal(size=ids.size))
    market = np.exp(races.log_softmax(spread * rng.normal(size=ids.size)))
    p = np.exp(races.log_softmax(alpha * log_f + beta * np.log(market)))
    won = np.zeros(ids.size)
    for lo, n in zip(races.starts, sizes, strict=True):
        won[lo + rng.choice(n, p=p[lo:lo + n] / p[lo:lo + n].sum())] = 1.0
    return ids, won, log_f, market


def test_strong_signal_recovers_the_true_weights() -> None:
    ids, won, log_f, market = simulate(0, 4000, alpha=0.6, beta=0.8)
    b = fit_blend(ids, won, log_f, market)
    assert b is not None
    assert abs(b.alpha - 0.6) < 0.06 and abs(b.beta - 0.8) < 0.06
    assert b.warnings() == []


def test_uninformative_races_stay_near_the_prior() -> None:
    # 12 races of near-uniform f and pi: the likelihood is almost flat in (alpha, beta)
    ids, won, log_f, market = simulate(1, 12, alpha=0.0, beta=0.0, spread=0.05)
    races = Races.from_rows(ids, won)
    log_pi = np.log(market)
    ridge = fit_weights(races, log_f, log_pi)
    flat = fit_weights(races, log_f, log_pi, prior=BlendPrior(sd=1e6), alpha_min=None)
    off = np.hypot(ridge.alpha - PRIOR.alpha, ridge.beta - PRIOR.beta)
    assert off < 0.1
    assert off < np.hypot(flat.alpha - PRIOR.alpha, flat.beta - PRIOR.beta) / 10


def test_negative_model_weight_is_bounded_and_warned() -> None:
    ids, won, log_f, market = simulate(2, 3000, alpha=-0.5, beta=1.0)
    b = fit_blend(ids, won, log_f, market)
    assert b is not None
    assert b.unconstrained.alpha < -0.3  # the data do point that way
    assert b.alpha == 0.0 and b.beta > 0.5
    assert any("negative weight" in w for w in b.warnings())


def test_halves_are_fitted_on_each_half_of_the_races() -> None:
    ids, won, log_f, market = simulate(3, 600, alpha=0.7, beta=0.5)
    b = fit_blend(ids, won, log_f, market)
    assert b is not None and b.halves is not None
    first, second = b.halves
    assert first.races + second.races == b.races
    early = ids < ids[Races.from_rows(ids, won).starts[300]]
    races = Races.from_rows(ids[early], won[early])
    again = fit_weights(races, log_f[early], np.log(market[early]), alpha_min=None)
    assert (again.alpha, again.beta) == (first.alpha, first.beta)
