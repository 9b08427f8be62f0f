"""Packed feature rows decode exactly; the UK each-way terms table."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hrdpg_pl.market_rules import uk_each_way_terms
from hrdpg_pl.scoring_fetch import decode_rows


def test_decode_rows_big_endian_with_nan() -> None:
    rows = [(7, 100, [1.5, float("nan"), -2.25]), (7, 101, [0.0, 3.0, 1e300]),
            (9, 5, [float("nan")] * 3)]
    blob = b"".join(struct.pack(">qq3d", r, h, *x) for r, h, x in rows)
    out = decode_rows(blob, ["a", "b", "c"])
    assert out.race_id.tolist() == [7, 7, 9] and out.horse_id.tolist() == [100, 101, 5]
    want = np.array([x for _, _, x in rows])
    assert np.array_equal(np.isnan(out.x), np.isnan(want))
    assert np.array_equal(np.nan_to_num(out.x), np.nan_to_num(want))
    assert out.x.dtype == np.float64 and out.x.flags.c_contiguous
    assert out.columns(["c", "a"]).tolist()[0] == [-2.25, 1.5]


def test_decode_empty_and_truncated() -> None:
    assert decode_rows(None, ["a"]).x.shape == (0, 1)
    with pytest.raises(ValueError, match="multiple"):
        decode_rows(b"\0" * 23, ["a"])


@pytest.mark.parametrize(("field", "handicap", "places", "fraction"), [
    (2, False, 0, 0.0), (4, True, 0, 0.0), (5, False, 2, 0.25), (7, True, 2, 0.25),
    (8, False, 3, 0.2), (11, True, 3, 0.2), (12, True, 3, 0.25), (15, True, 3, 0.25),
    (15, False, 3, 0.2), (16, True, 4, 0.25), (22, True, 4, 0.25), (16, False, 3, 0.2),
    (30, False, 3, 0.2),
])
def test_uk_each_way_terms(field: int, handicap: bool, places: int, fraction: float) -> None:
    p, f = uk_each_way_terms(np.array([field]), np.array([handicap]))
    assert (int(p[0]), float(f[0])) == (places, fraction)
