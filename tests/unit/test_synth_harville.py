"""Harville applied to the true win probabilities overstates favourites' place chances."""

import numpy as np

from hrdpg.synth import SynthConfig, generate


def _harville_top(p: np.ndarray, i: int, k: int) -> float:
    """P(runner i in the first k) under Harville, by recursion over who finishes ahead."""

    def rec(left: np.ndarray, mass: float, depth: int) -> float:
        if depth == k:
            return 0.0
        total = p[i] / mass
        for j in np.flatnonzero(left):
            if j != i:
                nxt = left.copy()
                nxt[j] = False
                total += p[j] / mass * rec(nxt, mass - p[j], depth + 1)
        return total

    return rec(np.ones(p.size, dtype=bool), 1.0, 0)


def test_harville_overstates_favourite_place() -> None:
    w = generate(SynthConfig(seed=8, n_days=6))
    t = w.truth
    starts = np.flatnonzero(np.r_[True, t["race_id"][1:] != t["race_id"][:-1]])
    ends = np.r_[starts[1:], t["race_id"].size]
    diffs = []
    for s, e in zip(starts, ends, strict=True):
        k = int(t["ew_places"][s])
        if k not in (2, 3) or e - s > 12:
            continue
        p = t["true_p_win"][s:e]
        fav = int(np.argmax(p))
        diffs.append(_harville_top(p, fav, k) - t["true_p_place"][s + fav])
    d = np.array(diffs)
    assert d.size > 50
    assert d.mean() > 0.01 and (d > 0).mean() > 0.8, (d.mean(), (d > 0).mean())
