"""An independent, deliberately naive Python computation of a subset of the features, straight
from the raw racing rows, to check the SQL against (tests/db/features/test_features_oracle.py)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg

from tests.db.features.oracle_more import MoreOracle


@dataclass
class Raw:
    races: dict[int, dict[str, Any]]
    runners: list[dict[str, Any]]
    odds: dict[tuple[int, int], list[tuple[dt.datetime, str, float]]]


def load_raw(conn: psycopg.Connection) -> Raw:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    races = {r["race_id"]: r for r in cur.execute("SELECT * FROM racing.races")}
    runners = list(cur.execute("SELECT * FROM racing.runners"))
    odds: dict[tuple[int, int], list[tuple[dt.datetime, str, float]]] = defaultdict(list)
    for o in cur.execute("SELECT race_id, horse_id, observed_at, source, decimal_odds "
                         "FROM racing.odds"):
        odds[(o["race_id"], o["horse_id"])].append(
            (o["observed_at"], o["source"], o["decimal_odds"]))
    return Raw(races, runners, odds)


def runs_in_field(runner: dict[str, Any]) -> bool:
    return not runner["non_runner"] and runner["status"] != "non_runner"


def shrunk(successes: float, trials: float, prior: float, weight: float) -> float:
    return (successes + prior * weight) / (trials + weight)


class Oracle:
    def __init__(self, raw: Raw) -> None:
        self.raw = raw
        self.field: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for runner in raw.runners:
            if runs_in_field(runner):
                self.field[runner["race_id"]].append(runner)
        completed = {rid for rid, rs in self.field.items() if any(r["status"] for r in rs)}
        self.completed_runs = [r for rid in completed for r in self.field[rid]]
        self.more = MoreOracle(raw.races, self.field, self.completed_runs, self.pos_norm)

    def _past(self, key: str, value: Any, before: dt.datetime) -> list[dict[str, Any]]:
        runs = [r for r in self.completed_runs
                if r[key] == value and self.raw.races[r["race_id"]]["off_time"] < before]
        return sorted(runs, key=lambda r: (self.raw.races[r["race_id"]]["off_time"], r["race_id"]))

    def pos_norm(self, run: dict[str, Any]) -> float | None:
        n = len(self.field[run["race_id"]])
        if run["finish_pos"] is not None:
            return min(1.0, (run["finish_pos"] - 1) / max(n - 1, 1))
        return 1.0 if run["status"] not in ("finished", "disqualified") else None

    def features(self, race_id: int, horse_id: int) -> dict[str, float | None]:
        race = self.raw.races[race_id]
        field = self.field[race_id]
        me = next(r for r in field if r["horse_id"] == horse_id)
        weights = [float(r["weight_kg"]) for r in field if r["weight_kg"] is not None]
        past = self._past("horse_id", horse_id, race["off_time"])
        last = self.raw.races[past[-1]["race_id"]] if past else None
        wins = sum(1 for r in past if r["finish_pos"] == 1)
        out: dict[str, float | None] = {
            "field_size": float(len(field)),
            "weight_rel": (float(me["weight_kg"]) - sum(weights) / len(weights)
                           if me["weight_kg"] is not None else None),
            "h_runs": float(len(past)),
            "h_win_rate": shrunk(wins, len(past), 0.1, 5) if past else None,
            "h_days_since_run": ((race["off_time"] - last["off_time"]).total_seconds() / 86400
                                 if last else None),
            "h_pos_last1": self.pos_norm(past[-1]) if past else None,
            "h_class_change": (float(race["race_class"] - last["race_class"])
                               if last and race["race_class"] is not None
                               and last["race_class"] is not None else None),
        }
        course_past = [r for r in past if self.raw.races[r["race_id"]]["course"] == race["course"]]
        out["h_course_win_rate"] = (shrunk(sum(r["finish_pos"] == 1 for r in course_past),
                                           len(course_past), 0.1, 3) if course_past else None)
        out["j_win_rate_90"] = self._window_rate("jockey_id", me["jockey_id"], race, 90, 20)
        out["t_win_rate_14"] = self._window_rate("trainer_id", me["trainer_id"], race, 14, 10)
        out["mkt_latest_prob"] = self._latest_prob(race_id, horse_id)
        out.update(self._pace(race_id, horse_id))
        out.update(self._condition(race, me, past))
        out.update(self.more.features(race_id, horse_id))
        return out

    def _condition(self, race: dict[str, Any], me: dict[str, Any],
                   past: list[dict[str, Any]]) -> dict[str, float | None]:
        def change(key: str) -> float | None:
            if not past or me[key] is None or past[-1][key] is None:
                return None
            return float(me[key]) - float(past[-1][key])

        weights = [float(r["body_weight_kg"]) for r in self.field[me["race_id"]]
                   if r["body_weight_kg"] is not None]
        lo, hi, rating = race["rating_band_low"], race["rating_band_high"], me["official_rating"]
        offs = [self.raw.races[r["race_id"]]["off_time"] for r in past[-2:]]
        return {
            "h_rating_change": change("official_rating"),
            "h_body_weight_change": change("body_weight_kg"),
            "h_gap_before_last": ((offs[1] - offs[0]).total_seconds() / 86400
                                  if len(offs) == 2 else None),
            "body_weight_rel": (float(me["body_weight_kg"]) - sum(weights) / len(weights)
                                if me["body_weight_kg"] is not None else None),
            "gear_first_time": (None if me["gear_first_time"] is None
                                else float(me["gear_first_time"])),
            "rating_band_pos": ((rating - lo) / (hi - lo) if None not in (lo, hi, rating)
                                and hi > lo else None),
        }

    def rating_rel(self, race_id: int, horse_id: int) -> float | None:
        field = self.field[race_id]
        me = next(r for r in field if r["horse_id"] == horse_id)
        ratings = [r["official_rating"] for r in field if r["official_rating"] is not None]
        if me["official_rating"] is None:
            return None
        return me["official_rating"] - sum(ratings) / len(ratings)

    def early_pos(self, run: dict[str, Any]) -> float | None:
        calls = run["running_positions"]
        if not calls:
            return None
        return min(1.0, (calls[0] - 1) / max(len(self.field[run["race_id"]]) - 1, 1))

    def finish_rel(self, run: dict[str, Any]) -> float | None:
        """Own last section against the median of the runners timed over every section."""
        timed = [r["sectional_times"] for r in self.field[run["race_id"]] if r["sectional_times"]]
        mine = run["sectional_times"]
        sections = max((len(t) for t in timed), default=0)
        if not mine or len(mine) != sections:
            return None
        median = statistics.median(float(np.float32(t[-1])) for t in timed if len(t) == sections)
        return max(-3.0, min(3.0, float(np.float32(mine[-1])) - median))

    def _recent_mean(self, horse_id: int, off: dt.datetime, value: Any, n: int) -> float | None:
        past = self._past("horse_id", horse_id, off)[-n:]
        values = [v for v in map(value, past) if v is not None]
        return sum(values) / len(values) if values else None

    def _pace(self, race_id: int, horse_id: int) -> dict[str, float | None]:
        off = self.raw.races[race_id]["off_time"]
        early = {r["horse_id"]: self._recent_mean(r["horse_id"], off, self.early_pos, 5)
                 for r in self.field[race_id]}
        finish = {r["horse_id"]: self._recent_mean(r["horse_id"], off, self.finish_rel, 3)
                  for r in self.field[race_id]}
        mine, known = early[horse_id], [v for v in early.values() if v is not None]
        front = sum(1 for v in known if v <= 0.25) - (1 if mine is not None and mine <= 0.25
                                                       else 0)
        fin, n = finish[horse_id], len(finish)
        faster = sum(1 for v in finish.values() if v is not None and fin is not None and v < fin)
        return {"h_early_pos_avg5": mine, "h_finish_rel_avg3": fin,
                "pace_early_rel": None if mine is None else mine - sum(known) / len(known),
                "pace_front_rivals": float(front),
                "pace_finish_rank": None if fin is None else (faster / (n - 1) if n > 1 else 0.0)}

    def _window_rate(self, key: str, value: Any, race: dict[str, Any], days: int,
                     weight: float) -> float:
        start = race["race_date"] - dt.timedelta(days=days)
        rides = [r for r in self.completed_runs if r[key] == value
                 and start <= self.raw.races[r["race_id"]]["race_date"] < race["race_date"]]
        return shrunk(sum(r["finish_pos"] == 1 for r in rides), len(rides), 0.1, weight)

    def _latest_odds(self, race_id: int, horse_id: int) -> float | None:
        off = self.raw.races[race_id]["off_time"]
        snaps = [s for s in self.raw.odds.get((race_id, horse_id), []) if s[0] < off]
        if not snaps:
            return None
        return sorted(snaps, key=lambda s: (-s[0].timestamp(), s[1]))[0][2]

    def _latest_prob(self, race_id: int, horse_id: int) -> float | None:
        implied = {r["horse_id"]: self._latest_odds(race_id, r["horse_id"])
                   for r in self.field[race_id]}
        mine = implied[horse_id]
        if mine is None:
            return None
        total = sum(1.0 / o for o in implied.values() if o is not None)
        return (1.0 / mine) / total
