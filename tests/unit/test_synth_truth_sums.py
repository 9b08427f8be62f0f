"""True probabilities are normalised: win sums to 1 and place sums to the each-way places k."""

import numpy as np

from hrdpg.synth import SynthConfig, generate


def test_truth_sums_per_race() -> None:
    w = generate(SynthConfig(seed=3, n_days=20))
    t = w.truth
    races, inv = np.unique(t["race_id"], return_inverse=True)
    win = np.bincount(inv, weights=t["true_p_win"])
    assert np.abs(win - 1).max() < 1e-6
    k = np.zeros(races.size)
    k[inv] = t["ew_places"]
    placed = np.bincount(inv, weights=np.nan_to_num(t["true_p_place"]))
    has = k > 0
    assert has.mean() > 0.8
    assert np.abs(placed[has] - k[has]).max() < 1e-6
    assert np.isnan(t["true_p_place"][k[inv] == 0]).all()
    # the raw quadrature (before normalising) is already close to exact
    assert w.quad_error < 1e-5
    assert ((t["true_p_win"] > 0) & (t["true_p_win"] < 1)).all()
    assert (np.nan_to_num(t["true_p_place"], nan=1) >= t["true_p_win"] - 1e-9).all()
