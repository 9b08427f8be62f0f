"""racenorm against plain per-race loops."""

from __future__ import annotations

import numpy as np
from hrdpg_pl import racenorm


def loop_softmax(s: np.ndarray, ids: np.ndarray) -> np.ndarray:
    out = np.empty_like(s)
    for r in set(ids.tolist()):
        m = ids == r
        e = [np.exp(v) for v in s[m]]
        out[m] = np.array(e) / sum(e)
    return out


def test_group_softmax_matches_loop_any_order() -> None:
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 40, size=400)
    s = rng.normal(scale=3, size=400)
    p = racenorm.group_softmax(s, ids)
    np.testing.assert_allclose(p, loop_softmax(s, ids), rtol=1e-12)
    sums = np.bincount(np.unique(ids, return_inverse=True)[1], weights=p)
    np.testing.assert_allclose(sums, 1.0, atol=1e-14)


def test_large_scores_are_stable() -> None:
    p = racenorm.group_softmax(np.array([1000.0, 999.0, -1000.0]), np.array([1, 1, 1]))
    np.testing.assert_allclose(p[:2], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))])


def test_blend_matches_formula_and_falls_back_without_prices() -> None:
    rng = np.random.default_rng(2)
    ids = np.repeat(np.arange(6), 5)
    s = rng.normal(size=30)
    pi = rng.dirichlet(np.ones(5), size=6).reshape(-1)
    pi[7] = np.nan  # race 1 is not fully priced
    got = racenorm.blend(s, pi, ids, 0.7, 0.4)
    f = loop_softmax(s, ids)
    for r in range(6):
        m = ids == r
        if r == 1:
            np.testing.assert_allclose(got[m], f[m], rtol=1e-12)
        else:
            c = f[m] ** 0.7 * pi[m] ** 0.4
            np.testing.assert_allclose(got[m], c / c.sum(), rtol=1e-12)


def test_blend_params() -> None:
    assert racenorm.blend_params({"blend": None}) is None
    assert racenorm.blend_params({"blend": {"alpha": 1, "beta": 0.5}}) == (1.0, 0.5)
