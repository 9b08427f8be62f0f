"""A course's priced share, vectorised in blocks, against a plain loop over every pair."""

from __future__ import annotations

import numpy as np
import pytest
from hrdpg_pl.price_facts import BLOCK, DAY_US, NONE_US, Earlier, course_share

HOUR = 3600 * 1_000_000


def _naive(day: list[int], as_of: list[int], off: list[int], h_day: list[int],
           h_off: list[int], h_first: list[int], lookback: int) -> list[float]:
    out = []
    for d, a, o in zip(day, as_of, off, strict=True):
        lead, clock = max(o - a, 0), a - d * DAY_US
        known = priced = 0
        for hd, ho, hf in zip(h_day, h_off, h_first, strict=True):
            if d - lookback <= hd < d and ho < a:
                known += 1
                priced += hf != NONE_US and hf <= min(ho - lead, hd * DAY_US + clock, a)
        out.append(priced / known if known else float("nan"))
    return out


@pytest.mark.parametrize("n", [1, BLOCK - 1, BLOCK + 7, 3 * BLOCK])
def test_share_matches_every_pair(n: int) -> None:
    rng = np.random.default_rng(n)
    h_day = np.sort(rng.integers(0, 200, size=900))
    h_off = h_day * DAY_US + rng.integers(12, 20, size=h_day.size) * HOUR
    # First prices from the evening before to just before the off; a fifth never priced.
    h_first = h_off - rng.integers(1, 30 * 3600, size=h_day.size) * 1_000_000
    h_first[rng.random(h_day.size) < 0.2] = NONE_US
    day = np.sort(rng.integers(0, 230, size=n))
    off = day * DAY_US + rng.integers(12, 20, size=n) * HOUR
    # Replays a minute before the off, mornings, the day before and one after the off.
    lead = rng.choice([60, 5 * 3600, 30 * 3600, -600], size=n) * 1_000_000
    as_of = off - lead
    got = course_share(day, as_of, off, Earlier(h_day, h_off, h_first), 28)
    want = _naive(day.tolist(), as_of.tolist(), off.tolist(), h_day.tolist(), h_off.tolist(),
                  h_first.tolist(), 28)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(got[~np.isnan(got)], np.asarray(want)[~np.isnan(want)])
    assert 0 < np.nanmean(got) < 1  # the draw has priced and unpriced races


def test_no_earlier_race_is_nan() -> None:
    empty = np.zeros(0, dtype=np.int64)
    got = course_share(np.array([10]), np.array([10 * DAY_US]), np.array([10 * DAY_US + HOUR]),
                       Earlier(empty, empty, empty), 28)
    assert np.isnan(got).all()
