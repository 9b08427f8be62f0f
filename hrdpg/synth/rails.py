"""Rail position of each race: a turf meeting runs on one rail setting for the day (as Hong
Kong's A, A+3, B, B+2, C, C+3), an all-weather track has none. A label only: the world's truth
does not use it, so a draw-by-rail feature must learn that the rail adds nothing. A separate
random stream, like hrdpg.synth.running, so every other column of the world stays as it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

STREAM = 15_485_863  # offset of this module's random stream from the world's seed
RAILS = ("A", "A+3", "B", "B+2", "C", "C+3")


def rails(seed: int, day: npt.NDArray[np.int64], course: npt.NDArray[np.int64],
          turf: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    """Per race (day index, course index, turf?): its rail, None off the turf."""
    rng = np.random.default_rng(seed + STREAM)
    n_courses = int(course.max()) + 1 if course.size else 0
    n_days = int(day.max()) + 1 if day.size else 0
    setting = rng.integers(0, len(RAILS), (n_days, n_courses))  # one per meeting
    out = np.array(RAILS, dtype=object)[setting[day, course]]
    out[~turf] = None
    return out
