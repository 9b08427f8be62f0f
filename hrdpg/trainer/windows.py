"""The training window cut by date into fit | stop | calibrate.

The trees are fitted on the earliest races, early stopping watches the next slice, and the
temperature and the market blend are fitted on the latest slice, which the booster never saw
either for its splits or for choosing its iteration (choosing the iteration on a slice makes
the model look better there than it is, and a blend fitted on that slice over-weights it).
Cuts fall between whole days, so no race and no day straddles two slices.

Defaults, as shares of the training window's races: calibrate 20 %, stop 15 %, fit the rest.
The blend's alpha is the estimate that flipped sign when it shared a slice with early stopping,
so the calibration slice gets the larger hold-out (its standard error shrinks like
1/sqrt(races)); early stopping picks one integer on a loss curve that is flat near its minimum,
which 15 % resolves; the trees keep about two thirds of the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg.errors import HrdpgError
from hrdpg.trainer.data import Window

STOP_SHARE = 0.15
CALIBRATION_SHARE = 0.20
MIN_SLICE_RACES = 25  # a floor against a near-empty slice; the printed intervals show precision
EPOCH = dt.date(1970, 1, 1)
SLICES = ("fit", "stop", "calibrate")


@dataclass(frozen=True)
class SplitRule:
    stop_share: float = STOP_SHARE
    calibration_share: float = CALIBRATION_SHARE
    calibrate_from: dt.date | None = None  # overrides calibration_share when set

    def check(self) -> None:
        for label, share in (("--stop-share", self.stop_share),
                             ("--calibration-share", self.calibration_share)):
            if not 0.0 < share < 1.0:
                raise HrdpgError(f"{label} {share:g} must be between 0 and 1 (exclusive)")
        if self.calibrate_from is None and self.stop_share + self.calibration_share >= 0.9:
            raise HrdpgError(f"--stop-share + --calibration-share = "
                             f"{self.stop_share + self.calibration_share:g} leaves under 10 % "
                             "of the training window to fit the trees; lower them")

    def as_json(self) -> dict[str, Any]:
        by_date = self.calibrate_from is not None
        return {"stop_share": self.stop_share,
                "calibration_share": None if by_date else self.calibration_share,
                "calibrate_from": str(self.calibrate_from) if by_date else None}


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def day_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def slice_labels(w: Window, rule: SplitRule) -> npt.NDArray[np.int8]:
    """Per row 0 (fit), 1 (stop) or 2 (calibrate); refuses a split that leaves a slice short."""
    rule.check()
    _, first = np.unique(w.race_id, return_index=True)
    race_day = np.sort(w.day[first])
    n = race_day.size
    if rule.calibrate_from is None:
        cal_cut = int(race_day[int(np.floor((1.0 - rule.calibration_share) * n))])
    else:
        cal_cut = day_number(rule.calibrate_from)
    before = int(np.searchsorted(race_day, cal_cut, side="left"))
    stop_at = int(np.floor(before - rule.stop_share * n))
    stop_cut = int(race_day[stop_at]) if 0 <= stop_at < n else int(race_day[0])
    counts = [int(np.sum(race_day < stop_cut)),
              int(np.sum((race_day >= stop_cut) & (race_day < cal_cut))),
              int(np.sum(race_day >= cal_cut))]
    short = [f"{name} {c}" for name, c in zip(SLICES, counts, strict=True)
             if c < MIN_SLICE_RACES]
    if short:
        raise HrdpgError(
            f"the training window {day_date(race_day[0])}..{day_date(race_day[-1])} is too "
            f"short to cut into fit | stop | calibrate (races: {', '.join(short)}; each needs "
            f"{MIN_SLICE_RACES}); widen --train-from/--train-to or change --calibration-share "
            "/ --calibrate-from")
    labels = np.zeros(w.n_rows, dtype=np.int8)
    labels[w.day >= stop_cut] = 1
    labels[w.day >= cal_cut] = 2
    return labels


def describe(w: Window, labels: npt.NDArray[np.int8]) -> dict[str, dict[str, Any]]:
    """Per slice: first and last day, races and rows (stored in the model's metrics)."""
    out: dict[str, dict[str, Any]] = {}
    for code, name in enumerate(SLICES):
        mask = labels == code
        days = w.day[mask]
        out[name] = {"from": str(day_date(days.min())), "to": str(day_date(days.max())),
                     "races": int(np.unique(w.race_id[mask]).size), "rows": int(mask.sum())}
    return out
