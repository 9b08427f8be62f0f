"""Configuration and fixed vocabularies of the synthetic racing world."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

GOINGS: tuple[str, ...] = ("firm", "good", "good_to_soft", "soft", "heavy", "standard")
STANDARD = 5  # index of the all-weather going in GOINGS
RACE_TYPES: tuple[str, ...] = ("handicap", "maiden", "novice", "conditions", "listed", "group")
SEXES: tuple[str, ...] = ("c", "f", "g", "h", "m", "r")
STATUSES: tuple[str, ...] = ("finished", "pulled_up", "fell", "unseated", "non_runner")

# (name, country, surface, sprint draw bias in lbs: >0 favours low draws)
COURSES: tuple[tuple[str, str, str, float], ...] = (
    ("Ascot", "GB", "turf", 1.0),
    ("Newmarket", "GB", "turf", 0.0),
    ("York", "GB", "turf", 1.5),
    ("Goodwood", "GB", "turf", 3.0),
    ("Chester", "GB", "turf", 7.0),
    ("Beverley", "GB", "turf", 5.0),
    ("Epsom", "GB", "turf", 2.0),
    ("Haydock", "GB", "turf", -1.5),
    ("Sandown", "GB", "turf", -3.0),
    ("Doncaster", "GB", "turf", -1.0),
    ("Thirsk", "GB", "turf", -4.0),
    ("Ripon", "GB", "turf", 2.5),
    ("Musselburgh", "GB", "turf", 3.5),
    ("Kempton", "GB", "aw", 1.5),
    ("Lingfield", "GB", "aw", 3.0),
    ("Wolverhampton", "GB", "aw", 2.0),
    ("Chelmsford City", "GB", "aw", 4.0),
    ("Newcastle", "GB", "aw", -2.0),
    ("Southwell", "GB", "aw", 0.5),
    ("Leopardstown", "IE", "turf", 1.0),
    ("Curragh", "IE", "turf", -1.0),
    ("Galway", "IE", "turf", 2.5),
    ("Naas", "IE", "turf", -2.0),
    ("Dundalk", "IE", "aw", 2.0),
)


@dataclass(frozen=True)
class SynthConfig:
    """Knobs of the world. Effects are in pounds (lbs) of performance; 1 lb ~ 1 rating point."""

    seed: int = 0
    start_date: dt.date = dt.date(2019, 1, 1)
    n_days: int | None = 365
    n_runners: int | None = None  # if set, overrides n_days (approximate target)
    races_per_day: int = 56
    race_id_offset: int = 1_000_000
    horse_id_offset: int = 1_000_000
    jockey_id_offset: int = 1_000
    trainer_id_offset: int = 1_000
    n_horses: int | None = None  # active pool; default keeps a ~5-week gap between runs
    n_jockeys: int = 450
    n_trainers: int = 600
    # race-time model (performance noise in lbs; two-normal mixture, not Gumbel)
    noise_sd: float = 15.0
    bad_run_weight: float = 0.15  # share of runs drawn from the wide, slow component
    bad_run_shift: float = -2.0  # in units of noise_sd
    bad_run_sd: float = 1.8  # in units of noise_sd
    dnf_rate: float = 0.025  # runs whose noise falls below this quantile do not finish
    nr_rate: float = 0.03
    dead_heat_lengths: float = 0.002  # photo resolution in lengths
    quad_step: float = 0.3  # quadrature cell width in units of noise_sd
    # market
    market_noise: float = 1.0  # scales every log-odds noise of the market
    flb_alpha: float = 0.88  # favourite-longshot bias exponent (<1 flattens prices)

    def resolved_days(self) -> int:
        """Number of days to simulate (from n_runners when that is given)."""
        if self.n_runners is not None:
            per_day = self.races_per_day * 10.6  # mean declared field, see cards.py
            return max(1, math.ceil(self.n_runners / per_day))
        if self.n_days is None:
            raise ValueError("set n_days or n_runners")
        return self.n_days

    def resolved_horses(self) -> int:
        if self.n_horses is not None:
            return self.n_horses
        return int(self.races_per_day * 10.6 * 42)


def ew_terms(
    n_runners: npt.NDArray[np.integer], handicap: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.float64]]:
    """UK each-way terms: (places, fraction); places 0 = win only."""
    n = n_runners
    places = np.select(
        [n < 5, n < 8, (n < 12) | (~handicap & (n >= 8)), n < 16],
        [0, 2, 3, 3],
        default=4,
    )
    fraction = np.select(
        [n < 5, n < 8, handicap & (n >= 12)],
        [0.0, 0.25, 0.25],
        default=0.2,
    )
    return places.astype(np.int16), fraction.astype(np.float64)

