"""The quadrature truth agrees with a brute-force Monte Carlo of the same race model."""

import numpy as np

from hrdpg.synth import SynthConfig
from hrdpg.synth.racemodel import Noise, race_probs


def _monte_carlo(z: np.ndarray, k: int, noise: Noise, n_sim: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    n = z.size
    perf = z[None, :] + noise.sample(rng, n_sim * n).reshape(n_sim, n)
    perf[rng.random((n_sim, n)) < noise.dnf] = -np.inf  # did not finish
    order = np.argsort(-perf, axis=1)
    finished = np.take_along_axis(perf, order, axis=1) > -np.inf
    win = np.bincount(order[:, 0][finished[:, 0]], minlength=n) / n_sim
    top = order[:, :k][finished[:, :k]]
    return win, np.bincount(top, minlength=n) / n_sim


def test_quadrature_matches_monte_carlo() -> None:
    noise = Noise.from_config(SynthConfig())
    rng = np.random.default_rng(11)
    for n, k in ((5, 2), (9, 3), (16, 4)):
        z = np.sort(rng.normal(0, 0.9, n))[::-1].copy()
        pw, pt, err = race_probs(z[None, :], k, noise, 0.3)
        assert err.max() < 1e-5
        n_sim = 200_000
        mw, mt = _monte_carlo(z, k, noise, n_sim, seed=n)
        for p, m in ((pw[0], mw), (pt[0], mt)):
            se = np.sqrt(p * (1 - p) / n_sim)
            assert (np.abs(p - m) < 4.5 * se + 1e-4).all(), (n, k, p, m)
