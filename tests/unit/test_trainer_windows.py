"""fit | stop | calibrate: time-ordered, disjoint, whole days, shares as asked."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hrdpg.errors import HrdpgError
from hrdpg.trainer.data import Window
from hrdpg.trainer.pipeline import TrainSpec, check_windows
from hrdpg.trainer.windows import SplitRule, day_number, describe, slice_labels

START = dt.date(2020, 1, 1)


def window(days: int = 100, seed: int = 0) -> Window:
    """1..12 races a day, 4..9 runners each, rows in day order."""
    rng = np.random.default_rng(seed)
    per_day = rng.integers(1, 13, size=days)
    race_day = np.repeat(day_number(START) + np.arange(days), per_day)
    sizes = rng.integers(4, 10, size=race_day.size)
    race_id = np.repeat(np.arange(race_day.size, dtype=np.int64) + 500, sizes)
    n = race_id.size
    return Window(race_id, np.arange(n, dtype=np.int64), np.repeat(race_day, sizes),
                  np.zeros(n), np.full(n, np.nan), np.zeros((n, 1)), ["x"])


def race_days(w: Window, labels: np.ndarray, code: int) -> tuple[set[int], set[int]]:
    mask = labels == code
    return set(w.race_id[mask].tolist()), set(w.day[mask].tolist())


def test_slices_are_disjoint_time_ordered_whole_days() -> None:
    w = window()
    labels = slice_labels(w, SplitRule())
    (fr, fd), (sr, sd), (cr, cd) = (race_days(w, labels, c) for c in range(3))
    assert not (fr & sr or sr & cr or fr & cr)  # no race in two slices
    assert not (fd & sd or sd & cd or fd & cd)  # no day in two slices
    assert max(fd) < min(sd) and max(sd) < min(cd)
    assert len(fr) + len(sr) + len(cr) == w.n_races


def test_shares_are_about_what_was_asked() -> None:
    w = window(days=300)
    labels = slice_labels(w, SplitRule(stop_share=0.1, calibration_share=0.3))
    d = describe(w, labels)
    n = w.n_races
    # cuts fall between days: off by at most one day of races (12)
    assert abs(d["calibrate"]["races"] - 0.3 * n) <= 12
    assert abs(d["stop"]["races"] - 0.1 * n) <= 12
    assert sum(d[k]["rows"] for k in ("fit", "stop", "calibrate")) == w.n_rows


def test_calibrate_from_sets_the_last_cut() -> None:
    w = window()
    cut = START + dt.timedelta(days=70)
    d = describe(w, slice_labels(w, SplitRule(calibrate_from=cut)))
    assert d["calibrate"]["from"] == str(cut)
    assert d["stop"]["to"] < str(cut) and d["fit"]["to"] < d["stop"]["from"]


@pytest.mark.parametrize("rule, message", [
    (SplitRule(calibrate_from=START + dt.timedelta(days=99)), "calibrate"),
    (SplitRule(stop_share=0.5, calibration_share=0.45), "under 10 %"),
    (SplitRule(calibration_share=1.5), "between 0 and 1"),
])
def test_bad_splits_are_refused(rule: SplitRule, message: str) -> None:
    with pytest.raises(HrdpgError, match=message):
        slice_labels(window(), rule)


def test_calibrate_from_outside_the_training_window_is_refused_before_any_work() -> None:
    late = START + dt.timedelta(days=40)
    spec = TrainSpec(name="w", train_from=START, train_to=START + dt.timedelta(days=30),
                     test_from=late, test_to=late, split=SplitRule(calibrate_from=late))
    with pytest.raises(HrdpgError, match="must fall inside the training window"):
        check_windows(spec)
