"""Declared condition of each runner: body weight and first-time gear.

A horse has a body weight of its own; each declaration adds a few kilograms of day-to-day
change. First-time gear is rare and says nothing about the run (the world's truth does not use
it): the features built on it must learn that. A separate random stream, like hrdpg.synth.running.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
STREAM = 104_729  # offset of this module's random stream from the world's seed
FIRST_TIME_GEAR_SHARE = 0.04


def condition(seed: int, horse: I64, n_horses: int) -> dict[str, npt.NDArray[Any]]:
    """body_weight_kg (kg, one decimal) and gear_first_time per declared runner."""
    rng = np.random.default_rng(seed + STREAM)
    own = rng.normal(1050.0, 45.0, n_horses) / 2.2046  # pounds to kg: HK-like 430-520 kg
    weight = np.round(own[horse] + rng.normal(0.0, 3.0, horse.size), 1)
    return {"body_weight_kg": weight,
            "gear_first_time": rng.random(horse.size) < FIRST_TIME_GEAR_SHARE}
