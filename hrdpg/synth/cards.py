"""Race cards: meetings, courses, going, distances, classes, off times (vectorised over days)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from hrdpg.synth.config import COURSES, STANDARD, SynthConfig

Arr = npt.NDArray[Any]
DISTANCES = np.array([1000, 1200, 1400, 1600, 1800, 2000, 2400, 2800, 3200, 4000])
DIST_WEIGHTS = np.array([14, 16, 14, 16, 10, 10, 9, 5, 4, 2], dtype=float)
CLASS_WEIGHTS = np.array([4, 6, 10, 18, 24, 24, 14], dtype=float)
PRIZE_BY_CLASS = np.array([120000.0, 40000, 16000, 9000, 6000, 4200, 3200])


def utc_offsets_minutes(start: dt.date, n_days: int) -> npt.NDArray[np.int64]:
    """Europe/London (= Europe/Dublin) UTC offset of each day at midday, in minutes."""
    tz = ZoneInfo("Europe/London")
    out = np.empty(n_days, dtype=np.int64)
    for d in range(n_days):  # one call per day, not per race
        day = start + dt.timedelta(days=d)
        off = dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()
        out[d] = int(off.total_seconds() // 60) if off is not None else 0
    return out


def make_cards(cfg: SynthConfig, rng: np.random.Generator, n_days: int) -> dict[str, Arr]:
    """All races of the world, ordered by day and off time."""
    n_courses = len(COURSES)
    surface_aw = np.array([c[2] == "aw" for c in COURSES])
    per_day = cfg.races_per_day
    n_meet = max(1, min(n_courses, round(per_day / 7)))
    days = np.arange(n_days)
    doy = (np.datetime64(cfg.start_date, "D") + days).astype("datetime64[D]")
    day_of_year = (doy - doy.astype("datetime64[Y]")).astype(np.int64)
    winter = np.cos(2 * np.pi * (day_of_year - 15) / 365.25)  # +1 in January, -1 in July
    # all-weather tracks race more in winter; pick distinct courses per day (Gumbel top-k)
    logw = np.where(surface_aw[None, :], 0.8 * winter[:, None], -0.8 * winter[:, None])
    keys = logw + rng.gumbel(size=(n_days, n_courses))
    meet_course = np.argsort(-keys, axis=1)[:, :n_meet]  # (day, meeting)
    # races of a day spread over its meetings as evenly as possible
    meeting_of_race = np.arange(per_day) % n_meet
    race_no = np.tile(np.arange(per_day) // n_meet, n_days)
    day = np.repeat(days, per_day)
    meet = np.tile(meeting_of_race, n_days)
    course = meet_course[day, meet]
    n = day.size
    # going: one per meeting per day; turf is wetter in winter
    going_m = np.clip(np.rint(1.6 + 0.9 * winter[:, None] + rng.normal(0, 0.9, (n_days, n_meet))),
                      0, 4).astype(np.int16)
    going = np.where(surface_aw[course], STANDARD, going_m[day, meet]).astype(np.int16)
    dist_base = rng.choice(DISTANCES, size=n, p=DIST_WEIGHTS / DIST_WEIGHTS.sum())
    course_tweak = (np.arange(n_courses) * 37) % 90  # each course's trip lengths differ a bit
    distance = np.clip(dist_base + 10 * (course_tweak[course] // 10), 1000, 4000)
    race_class = rng.choice(7, size=n, p=CLASS_WEIGHTS / CLASS_WEIGHTS.sum()) + 1
    u = rng.random(n)
    rtype = np.where(u < 0.62, 0, np.where(u < 0.80, 1, np.where(u < 0.92, 2, 3)))
    rtype = np.where(race_class == 1, np.where(u < 0.5, 5, 4), rtype)  # pattern races
    handicap = rtype == 0
    declared = np.where(handicap, rng.normal(11.6, 3.3, n), rng.normal(9.2, 3.0, n))
    declared = np.clip(np.rint(declared), 5, 20).astype(np.int16)
    prize = np.round(PRIZE_BY_CLASS[race_class - 1] * rng.lognormal(0.0, 0.3, n), 2)
    # off times: meetings start 13:00-14:30 local, 30-35 min between races
    start_min = 13 * 60 + 10 * (meet % 4) + 5 * rng.integers(0, 3, (n_days, n_meet))[day, meet]
    local_min = start_min + race_no * (30 + 5 * (meet % 2))
    utc_off = utc_offsets_minutes(cfg.start_date, n_days)
    race_date = doy[day]
    off_time = race_date.astype("datetime64[s]") + (local_min - utc_off[day]) * 60
    # draw bias: the course's sprint bias fades with distance (gone by ~1 mile)
    sprint_bias = np.array([c[3] for c in COURSES])[course]
    draw_bias = sprint_bias * np.clip((1700 - distance) / 700, 0, 1)
    order = np.lexsort((course, off_time, day))
    cards: dict[str, Arr] = {
        "day": day, "race_date": race_date, "off_time": off_time, "course": course,
        "going": going, "distance_m": distance, "race_class": race_class,
        "race_type": rtype, "handicap": handicap, "prize": prize, "declared": declared,
        "draw_bias": draw_bias, "surface_aw": surface_aw[course], "utc_off": utc_off[day],
    }
    cards = {k: v[order] for k, v in cards.items()}
    cards["race_id"] = cfg.race_id_offset + np.arange(n, dtype=np.int64)
    return cards
