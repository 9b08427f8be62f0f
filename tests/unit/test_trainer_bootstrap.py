"""The vectorised race bootstrap of pseudo-R^2 against a plain loop over the same draws."""

from __future__ import annotations

import numpy as np
import pytest

from hrdpg.trainer import metrics
from hrdpg.trainer.condlogit import Races


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default), by hand."""
    v = sorted(values)
    pos = (len(v) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def test_intervals_match_a_slow_loop_over_the_same_draws() -> None:
    rng = np.random.default_rng(0)
    n, resamples, seed = 7, 300, 42
    losses = {"a": rng.uniform(0.5, 3.0, n), "b": rng.uniform(0.5, 3.0, n)}
    uniform = rng.uniform(1.5, 2.5, n)
    got = metrics.bootstrap_pseudo_r2(losses, uniform, seed, diffs=(("a", "b"),),
                                      resamples=resamples)
    draws = np.random.default_rng(seed).integers(0, n, size=(resamples, n))  # one chunk here
    stats: dict[str, list[float]] = {"a": [], "b": [], "a_minus_b": []}
    for row in draws:
        r2 = {}
        for k in ("a", "b"):
            r2[k] = 1.0 - sum(losses[k][i] for i in row) / sum(uniform[i] for i in row)
            stats[k].append(r2[k])
        stats["a_minus_b"].append(r2["a"] - r2["b"])
    for k, values in stats.items():
        assert got[k]["lo"] == pytest.approx(percentile(values, 2.5), abs=1e-12)
        assert got[k]["hi"] == pytest.approx(percentile(values, 97.5), abs=1e-12)
    point_a = 1.0 - sum(losses["a"]) / sum(uniform)
    assert got["a"]["pseudo_r2"] == pytest.approx(point_a, abs=1e-12)
    assert got["a_minus_b"]["pseudo_r2"] == pytest.approx(
        point_a - (1.0 - sum(losses["b"]) / sum(uniform)), abs=1e-12)


def test_point_equals_the_pseudo_r2_of_the_scores() -> None:
    rng = np.random.default_rng(1)
    sizes = rng.integers(3, 10, size=40)
    ids = np.repeat(np.arange(sizes.size), sizes)
    won = np.zeros(ids.size)
    won[np.concatenate([[0], np.cumsum(sizes)[:-1]])] = 1.0
    races = Races.from_rows(ids, won)
    p = np.exp(races.log_softmax(rng.normal(size=ids.size)))
    got = metrics.bootstrap_pseudo_r2({"m": metrics.race_losses(races, p)},
                                      metrics.uniform_race_losses(races), seed=3)
    assert got["m"]["pseudo_r2"] == pytest.approx(metrics.pseudo_r2(races, p), abs=1e-12)
    assert got["m"]["lo"] <= got["m"]["pseudo_r2"] <= got["m"]["hi"]
    assert got["races"] == 40 and got["resamples"] == metrics.BOOT_RESAMPLES


def test_same_seed_same_interval_other_seed_other_interval() -> None:
    rng = np.random.default_rng(2)
    losses, uniform = {"m": rng.uniform(1, 3, 50)}, rng.uniform(1.5, 2.5, 50)
    first = metrics.bootstrap_pseudo_r2(losses, uniform, seed=5)
    assert metrics.bootstrap_pseudo_r2(losses, uniform, seed=5) == first
    assert metrics.bootstrap_pseudo_r2(losses, uniform, seed=6)["m"]["lo"] != first["m"]["lo"]
