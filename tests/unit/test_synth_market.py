"""Market: later prices are sharper, books carry realistic margins, noise is configurable."""

import numpy as np

from hrdpg.synth import SynthConfig, generate
from hrdpg.synth.market import SOURCES


def _log_loss(w, source: int, first: bool) -> float:
    """Winner log loss of normalised implied probabilities of a source's first/last snapshot."""
    o, r = w.odds, w.runners
    sel = np.flatnonzero(o["source"] == source)
    t = o["observed_at"][sel].astype(np.int64)
    race = o["race_id"][sel]
    rt = np.full(race.max() + 1, -1 if not first else np.iinfo(np.int64).max, dtype=np.int64)
    (np.minimum if first else np.maximum).at(rt, race, t)
    sel = sel[t == rt[race]]
    row = o["runner_row"][sel]
    p = 1 / o["decimal_odds"][sel]
    race = o["race_id"][sel]
    _, inv = np.unique(race, return_inverse=True)
    p = p / np.bincount(inv, weights=p)[inv]
    won = (r["finish_pos"][row] == 1) & ~r["non_runner"][row]
    return float(-np.log(p[won]).mean())


def test_close_sharper_than_morning_and_noise_knob() -> None:
    w = generate(SynthConfig(seed=4, n_days=60))
    morning, close = _log_loss(w, 0, True), _log_loss(w, 0, False)
    assert close < morning - 0.02, (close, morning)
    noisy = generate(SynthConfig(seed=4, n_days=60, market_noise=4.0))
    assert _log_loss(noisy, 0, False) > close + 0.03


def test_overround() -> None:
    w = generate(SynthConfig(seed=6, n_days=20))
    o = w.odds
    for src, lo, hi in ((0, 1.10, 1.25), (1, 1.10, 1.25), (2, 1.0, 1.025)):
        sel = o["source"] == src
        key = o["race_id"][sel] * 10**12 + o["observed_at"][sel].astype(np.int64)
        _, inv = np.unique(key, return_inverse=True)
        book = np.bincount(inv, weights=1 / o["decimal_odds"][sel])
        assert lo <= book.min() and book.max() <= hi, (SOURCES[src], book.min(), book.max())
    assert np.isnan(o["ew_fraction"][o["source"] == 2]).all()
    assert (o["ew_places"][o["source"] < 2] >= 0).all()
