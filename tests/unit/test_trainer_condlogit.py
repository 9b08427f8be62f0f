"""The conditional-logit gradient against finite differences of the race log loss."""

from __future__ import annotations

import numpy as np

from hrdpg.trainer.calibrate import fit_blend, fit_temperature
from hrdpg.trainer.condlogit import Races


def world(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 12, size=300)
    ids = np.repeat(np.arange(sizes.size) + 1000, sizes)
    s = rng.normal(size=ids.size)
    won = np.zeros(ids.size)
    start = 0
    for n in sizes:
        p = np.exp(s[start:start + n]) / np.exp(s[start:start + n]).sum()
        won[start + rng.choice(n, p=p)] = 1.0
        start += n
    return ids, s, won


def test_gradient_matches_finite_difference() -> None:
    ids, s, won = world(0)
    won[1] = won[0] = 1.0 if won[:2].sum() else 0.0  # a dead heat (or a winnerless race)
    races = Races.from_rows(ids, won)
    n = float(races.has_winner.sum())
    grad, hess = races.grad_hess(s)
    total = lambda v: races.log_loss(races.log_softmax(v)) * n  # noqa: E731
    for i in (0, 1, 5, 50, 500):
        e = np.zeros_like(s)
        e[i] = 1e-6
        fd = (total(s + e) - total(s - e)) / 2e-6
        assert abs(fd - grad[i]) < 1e-6
    assert np.all(hess > 0)


def test_temperature_recovers_scale_and_blend_recovers_weights() -> None:
    ids, s, won = world(1)
    races = Races.from_rows(ids, won)
    assert abs(fit_temperature(races, s / 2.0) - 2.0) < 0.6
    # model f = truth, "market" = pure noise: the blend should put its weight on the model
    rng = np.random.default_rng(3)
    noise = rng.dirichlet(np.ones(ids.size)) + 1e-3
    logf = races.log_softmax(s)
    b = fit_blend(ids, won, logf, noise)
    assert b is not None and b.alpha > 0.5 and abs(b.beta) < 0.3
