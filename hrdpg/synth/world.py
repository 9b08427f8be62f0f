"""generate(config) -> World: the whole synthetic world as columnar numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg.synth.cards import make_cards
from hrdpg.synth.condition import condition
from hrdpg.synth.config import COURSES, GOINGS, RACE_TYPES, SynthConfig, ew_terms
from hrdpg.synth.market import market, rule4
from hrdpg.synth.population import make_horses, make_people
from hrdpg.synth.racemodel import Noise, truth_by_race
from hrdpg.synth.rails import rails
from hrdpg.synth.results import results
from hrdpg.synth.running import running
from hrdpg.synth.season import run_season

Arr = npt.NDArray[Any]
Table = dict[str, Arr]
MINUTE = np.timedelta64(60, "s")


@dataclass
class World:
    """races / runners / odds hold racing-schema columns (NULL as NaN, NaT or -1, text as
    object arrays); truth holds the known generative probabilities of every runner."""

    config: SynthConfig
    races: Table
    runners: Table
    odds: Table
    truth: Table
    quad_error: float  # max raw |sum of p - exact expected sum| over races, before normalising
    latent: Table = field(default_factory=dict)  # per declared runner: z, perf, non_runner, ...

    @property
    def n_races(self) -> int:
        return int(self.races["race_id"].size)

    @property
    def n_runners(self) -> int:
        return int(self.runners["race_id"].size)

    @property
    def n_odds(self) -> int:
        return int(self.odds["race_id"].size)


def _ids(rng: np.random.Generator, n: int, offset: int) -> npt.NDArray[np.int64]:
    """Shuffled ids, so an id never leaks skill rank or foaling order."""
    return (offset + rng.permutation(n)).astype(np.int64)


def generate(cfg: SynthConfig) -> World:
    rng = np.random.default_rng(cfg.seed)
    n_days = cfg.resolved_days()
    people, trainer_cum = make_people(cfg, rng, n_days)
    horses = make_horses(cfg, rng, n_days, trainer_cum)
    cards = make_cards(cfg, rng, n_days)
    noise = Noise.from_config(cfg)
    rows = run_season(cfg, rng, cards, horses, people, noise, n_days)
    order = np.lexsort((rows["draw"], rows["race"]))
    rows = {k: v[order] for k, v in rows.items()}
    race = rows["race"].astype(np.int64)
    n_races = cards["race_id"].size
    nr = rows["non_runner"].astype(bool)
    n_run = np.bincount(race, weights=~nr, minlength=n_races).astype(np.int64)
    places, fraction = ew_terms(n_run, cards["handicap"].astype(bool))
    # --- truth over runners (rows are race-ordered, so runners of a race are contiguous)
    run = np.flatnonzero(~nr)
    start = np.concatenate([[0], np.cumsum(n_run)[:-1]])
    p_win, p_place, qerr = truth_by_race(rows["z"][run], start, n_run, places, noise,
                                         cfg.quad_step)
    res = results(race, rows["perf"], nr, rows["dnf"], cards["distance_m"], cfg.noise_sd,
                  cfg.dead_heat_lengths, rng)
    # --- market: late non-runners are priced until withdrawn, at a logit guess of their chance
    late = rows["late"].astype(bool)
    in_field = ~nr | late
    guess = np.exp(1.4 * rows["z"]) * in_field
    p_guess = guess / np.bincount(race, weights=guess, minlength=n_races)[race]
    late_share = np.bincount(race, weights=p_guess * late, minlength=n_races)
    p_mkt = np.where(late, p_guess, 0.0)
    p_mkt[run] = p_win * (1 - late_share[race[run]])
    with np.errstate(divide="ignore"):
        prices = market(cfg, rng, race, in_field, ~nr, np.log(p_mkt), n_races)
    off = cards["off_time"][race]
    before = rng.integers(10, 50, race.size) * MINUTE  # withdrawn 10-50 min before the off
    withdrawn = np.where(late, off - before, np.datetime64("NaT"))
    r4 = np.where(late, rule4(np.nan_to_num(prices["hour_a"], nan=1e9)), 0.0)
    ids_h = _ids(rng, horses.ability.size, cfg.horse_id_offset)
    runners: Table = {
        "race_id": cards["race_id"][race], "horse_id": ids_h[rows["horse"]],
        "jockey_id": _ids(rng, cfg.n_jockeys, cfg.jockey_id_offset)[rows["jockey"]],
        "trainer_id": _ids(rng, cfg.n_trainers, cfg.trainer_id_offset)[rows["trainer"]],
        "draw": rows["draw"], "age": rows["age"], "sex": rows["sex"],
        "weight_kg": rows["weight_kg"],
        "official_rating": rows["official_rating"].astype(np.int16),
        "speed_figure": np.round(rows["speed_figure"], 1), "non_runner": nr,
        "withdrawn_at": withdrawn, "rule4_deduction": np.where(r4 > 0, r4, np.nan),
        "finish_pos": res["finish_pos"], "dead_heat": res["dead_heat"],
        "beaten_lengths": res["beaten_lengths"], "status": res["status"],
        "sp_decimal": np.where(nr, np.nan, prices["close_a"]),
        **running(cfg.seed, race, rows["horse"].astype(np.int64), horses.ability.size,
                  rows["perf"], res["finish_pos"].astype(np.int64),
                  res["beaten_lengths"].astype(np.float64), ~nr,
                  cards["distance_m"].astype(np.int64)),
        **condition(cfg.seed, rows["horse"].astype(np.int64), horses.ability.size),
    }
    courses = np.array(COURSES, dtype=object)
    races: Table = {
        "race_id": cards["race_id"], "race_date": cards["race_date"],
        "off_time": cards["off_time"], "course": courses[cards["course"], 0],
        "country": courses[cards["course"], 1], "surface": courses[cards["course"], 2],
        "going": np.array(GOINGS, dtype=object)[cards["going"]],
        "distance_m": cards["distance_m"], "race_class": cards["race_class"],
        "race_type": np.array(RACE_TYPES, dtype=object)[cards["race_type"]],
        "handicap": cards["handicap"], "prize": cards["prize"],
        "declared_runners": cards["declared"],
        "rail": rails(cfg.seed, cards["day"].astype(np.int64), cards["course"].astype(np.int64),
                      ~cards["surface_aw"].astype(bool)),
    }
    odds = _odds_table(cards, race, runners, prices, places, fraction)
    truth: Table = {
        "race_id": runners["race_id"][run], "horse_id": runners["horse_id"][run],
        "true_p_win": p_win, "true_p_place": p_place, "ew_places": places[race[run]],
        "mean_perf": rows["mu"][run],
    }
    latent = {k: rows[k] for k in ("race", "z", "perf", "dnf", "late")}
    latent["ew_fraction"] = fraction
    return World(cfg, races, runners, odds, truth, qerr, latent)


def _odds_table(cards: Table, race: npt.NDArray[np.int64], runners: Table,
                prices: dict[str, npt.NDArray[np.float64]], places: npt.NDArray[np.int16],
                fraction: npt.NDArray[np.float64]) -> Table:
    """Long table of snapshots: two books in the morning and ~1 h out, book A and the exchange
    a few minutes before the off."""
    off = cards["off_time"]
    morning = (cards["race_date"].astype("datetime64[s]")
               + (510 - cards["utc_off"].astype(np.int64)) * MINUTE)  # 08:30 local
    snaps = (("morning_a", 0, morning), ("morning_b", 1, morning + 35 * MINUTE),
             ("hour_a", 0, off - 60 * MINUTE), ("hour_b", 1, off - 55 * MINUTE),
             ("close_a", 0, off - 3 * MINUTE), ("exchange", 2, off - 1 * MINUTE))
    parts: dict[str, list[Arr]] = {}
    for col, src, when in snaps:
        rows = np.flatnonzero(~np.isnan(prices[col]))
        rr = race[rows]
        book = src < 2
        vol = (np.round(prices["volume_share"][rows] * cards["prize"][rr] * 3, 2) if not book
               else np.full(rows.size, np.nan))
        part = {
            "race_id": runners["race_id"][rows], "horse_id": runners["horse_id"][rows],
            "runner_row": rows, "observed_at": when[rr],
            "source": np.full(rows.size, src, dtype=np.int8),
            "decimal_odds": prices[col][rows],
            "ew_places": np.where(book, places[rr], 0).astype(np.int16),
            "ew_fraction": np.where(book & (places[rr] > 0), fraction[rr], np.nan),
            "volume": vol,
        }
        for k, v in part.items():
            parts.setdefault(k, []).append(v)
    odds = {k: np.concatenate(v) for k, v in parts.items()}
    # runner-major order (snapshots stay in time order): primary-key inserts become appends
    order = np.argsort(odds["runner_row"], kind="stable")
    return {k: v[order] for k, v in odds.items()}
