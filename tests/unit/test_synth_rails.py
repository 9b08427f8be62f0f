"""The rail label of the synthetic world: one rail per turf meeting, none off the turf, drawn on
its own random stream so that adding it changed no other column of the world."""

from __future__ import annotations

import numpy as np
import pytest

from hrdpg.synth import SynthConfig, generate, world
from hrdpg.synth.rails import RAILS


def test_one_rail_per_turf_meeting_none_on_all_weather() -> None:
    races = generate(SynthConfig(seed=3, n_days=20)).races
    rail, surface = races["rail"], races["surface"]
    assert all(r is None for r in rail[surface == "aw"])
    turf = surface != "aw"
    assert set(rail[turf]) <= set(RAILS) and len(set(rail[turf])) > 1
    meetings: dict[tuple[object, object], set[object]] = {}
    for day, course, r in zip(races["race_date"][turf], races["course"][turf], rail[turf],
                              strict=True):
        meetings.setdefault((day, course), set()).add(r)
    assert all(len(rails) == 1 for rails in meetings.values())


def test_rails_leave_every_other_column_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = SynthConfig(seed=4, n_days=10)
    with_rails = generate(cfg)
    monkeypatch.setattr(world, "rails", lambda seed, day, course, turf:
                        np.full(day.size, None, dtype=object))
    without = generate(cfg)
    for table in ("races", "runners", "odds", "truth"):
        a, b = getattr(with_rails, table), getattr(without, table)
        for column in a:
            if column == "rail":
                continue
            x, y = a[column], b[column]
            same = (np.array_equal(x.view(np.int64), y.view(np.int64)) if x.dtype.kind == "M"
                    else np.array_equal(x, y, equal_nan=x.dtype.kind == "f"))
            assert same, (table, column)
