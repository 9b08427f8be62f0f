"""Simulated results are draws from the truth: winners' frequency matches true P(win)."""

import numpy as np

from hrdpg.synth import SynthConfig, generate


def test_winners_calibrated_to_truth() -> None:
    w = generate(SynthConfig(seed=5, n_days=80))
    t, r = w.truth, w.runners
    key = r["race_id"] * 10**7 + r["horse_id"]
    srt = np.argsort(key)
    idx = srt[np.searchsorted(key, t["race_id"] * 10**7 + t["horse_id"], sorter=srt)]
    assert (key[idx] == t["race_id"] * 10**7 + t["horse_id"]).all()
    won = (r["finish_pos"][idx] == 1).astype(float)
    p = t["true_p_win"]
    bins = np.quantile(p, np.linspace(0, 1, 11))
    b = np.clip(np.searchsorted(bins, p, side="right") - 1, 0, 9)
    obs = np.bincount(b, weights=won, minlength=10)
    exp = np.bincount(b, weights=p, minlength=10)
    var = np.bincount(b, weights=p * (1 - p), minlength=10)
    zscores = (obs - exp) / np.sqrt(var)
    assert np.abs(zscores).max() < 4.0, zscores
    assert (zscores**2).sum() < 35  # chi-square, 10 dof: p ~ 1e-4
    # one winner per race (dead heats for first aside)
    assert abs(won.sum() - np.unique(t["race_id"]).size) < 0.02 * won.sum()
