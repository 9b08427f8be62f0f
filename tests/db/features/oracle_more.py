"""The naive Python computation of the speed figure, draw-by-rail, jockey-trainer pair and
weight-off-the-scale features (tests/db/features/oracle.py hands in the raw rows): loops over
every completed run, written from the definitions in docs/features.md, not from the SQL."""

from __future__ import annotations

import datetime as dt
import statistics
from functools import cache
from typing import Any

Run = dict[str, Any]
LB_PER_KG = 1 / 0.45359237


class MoreOracle:
    def __init__(self, races: dict[int, dict[str, Any]], field: dict[int, list[Run]],
                 completed_runs: list[Run], pos_norm: Any) -> None:
        self.races, self.field, self.runs, self.pos_norm = races, field, completed_runs, pos_norm
        self.completed = {r["race_id"] for r in completed_runs}
        self.par = cache(self._par)
        self.variant = cache(self._variant)
        self.figure = cache(self._figure)
        self.winner_time = cache(self._winner_time)

    # --- speed figures
    def run_time(self, run: Run) -> float | None:
        """Own finish time, else the winner's plus 0.17 s a length; None unless it finished."""
        if run["status"] not in ("finished", "disqualified"):
            return None
        if run["finish_time_s"] is not None:
            return float(run["finish_time_s"])
        winners = [float(r["finish_time_s"]) for r in self.field[run["race_id"]]
                   if r["finish_pos"] == 1 and r["finish_time_s"] is not None]
        beaten = 0.0 if run["finish_pos"] == 1 else run["beaten_lengths"]
        if not winners or beaten is None:
            return None
        return min(winners) + 0.17 * float(beaten)

    def _winner_time(self, race_id: int) -> float | None:
        times = [t for r in self.field[race_id] if r["finish_pos"] == 1
                 for t in [self.run_time(r)] if t is not None]
        return min(times) if times else None

    def _par(self, course: str, surface: str | None, distance: int, rail: str | None,
             day: dt.date) -> float | None:
        def mean_cs(same_rail: bool) -> float | None:
            cs = [round(t * 100) for rid in self.completed for ra in [self.races[rid]]
                  if ra["course"] == course and ra["surface"] == surface
                  and ra["distance_m"] == distance and ra["race_date"] < day
                  and (not same_rail or ra["rail"] == rail)
                  for t in [self.winner_time(rid)] if t is not None]
            return float(sum(cs)) / len(cs) / 100.0 if len(cs) >= 3 else None

        own = mean_cs(True)
        return own if own is not None else mean_cs(False)

    def race_par(self, race_id: int) -> float | None:
        ra = self.races[race_id]
        if ra["distance_m"] is None:
            return None
        return self.par(ra["course"], ra["surface"], ra["distance_m"], ra["rail"],
                        ra["race_date"])

    def _variant(self, course: str, surface: str | None, day: dt.date) -> float | None:
        per_km = []
        for rid in self.completed:
            ra = self.races[rid]
            if (ra["course"], ra["surface"], ra["race_date"]) != (course, surface, day):
                continue
            winner, par = self.winner_time(rid), self.race_par(rid)
            if winner is not None and par is not None:
                per_km.append((winner - par) / (ra["distance_m"] / 1000.0))
        return statistics.median(per_km) if per_km else None

    def _figure(self, race_id: int, horse_id: int) -> float | None:
        run = next(r for r in self.field[race_id] if r["horse_id"] == horse_id)
        ra = self.races[race_id]
        t, par = self.run_time(run), self.race_par(race_id)
        variant = self.variant(ra["course"], ra["surface"], ra["race_date"])
        if None in (t, par, variant) or run["weight_kg"] is None:
            return None
        assert t is not None and par is not None and variant is not None
        return (10.0 * ((par - t) / (ra["distance_m"] / 1000.0) + variant)
                + 0.4 * (float(run["weight_kg"]) * LB_PER_KG - 126.0))

    def figures_before(self, horse_id: int, day: dt.date) -> tuple[float | None, float | None]:
        past = sorted((r for r in self.runs if r["horse_id"] == horse_id
                       and self.races[r["race_id"]]["race_date"] < day),
                      key=lambda r: (self.races[r["race_id"]]["race_date"],
                                     self.races[r["race_id"]]["off_time"], r["race_id"]))
        figs = [f for r in past for f in [self.figure(r["race_id"], horse_id)] if f is not None]
        return (figs[-1], max(figs[-3:])) if figs else (None, None)

    # --- draw by rail, pairs, weight off the scale
    def draw_rail(self, race: dict[str, Any], me: Run) -> tuple[float | None, float | None]:
        if me["draw"] is None:
            return None, None
        key = (race["course"], race["surface"], race["distance_m"], race["rail"], me["draw"])
        same = [r for r in self.runs if race["distance_m"] is not None
                and (self.races[r["race_id"]]["course"], self.races[r["race_id"]]["surface"],
                     self.races[r["race_id"]]["distance_m"], self.races[r["race_id"]]["rail"],
                     r["draw"]) == key
                and self.races[r["race_id"]]["race_date"] < race["race_date"]]
        wins = sum(r["finish_pos"] == 1 for r in same)
        expected = sum(1.0 / len(self.field[r["race_id"]]) for r in same)
        positions = [p for r in same for p in [self.pos_norm(r)] if p is not None]
        return (wins + 10.0) / (expected + 10.0), (sum(positions) + 10.0) / (len(positions) + 20)

    def pair(self, race: dict[str, Any], me: Run) -> tuple[float, float]:
        start = race["race_date"] - dt.timedelta(days=730)
        rides = [r for r in self.runs if me["jockey_id"] is not None
                 and me["trainer_id"] is not None
                 and (r["jockey_id"], r["trainer_id"]) == (me["jockey_id"], me["trainer_id"])
                 and start <= self.races[r["race_id"]]["race_date"] < race["race_date"]]
        wins = sum(r["finish_pos"] == 1 for r in rides)
        expected = sum(1.0 / len(self.field[r["race_id"]]) for r in rides)
        return (wins + 2.0) / (expected + 2.0), float(len(rides))

    def wt_claim(self, race_id: int, me: Run) -> float | None:
        if me["official_rating"] is None or me["weight_kg"] is None:
            return None
        top = max(r["official_rating"] for r in self.field[race_id]
                  if r["official_rating"] is not None)
        scale = min(133, max(113, 133 - (top - me["official_rating"])))
        return scale - float(me["weight_kg"]) * LB_PER_KG

    def features(self, race_id: int, horse_id: int) -> dict[str, float | None]:
        race = self.races[race_id]
        me = next(r for r in self.field[race_id] if r["horse_id"] == horse_id)
        best = {r["horse_id"]: self.figures_before(r["horse_id"], race["race_date"])[1]
                for r in self.field[race_id]}
        known = [b for b in best.values() if b is not None]
        last, best3 = self.figures_before(horse_id, race["race_date"])
        draw_ae, draw_pos = self.draw_rail(race, me)
        pair_ae, pair_rides = self.pair(race, me)
        return {"draw_rail_ae": draw_ae, "draw_rail_pos": draw_pos, "jt_pair_ae": pair_ae,
                "jt_pair_rides": pair_rides, "wt_claim": self.wt_claim(race_id, me),
                "h_fig_last": last, "h_fig_best3": best3,
                "fig_best3_rel": None if best3 is None else best3 - sum(known) / len(known)}
