"""The day loop: who runs where, what each runner's mean performance is, and how it ran.

Everything inside a day is vectorised; only the days are looped over, because a horse's state
(last run, handicap mark, form figure, ability random walk) feeds its next entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg.synth import libm
from hrdpg.synth.config import SynthConfig
from hrdpg.synth.population import YEAR, Horses, People, age_curve, matched_index
from hrdpg.synth.racemodel import Noise

Arr = npt.NDArray[Any]
F64 = npt.NDArray[np.float64]
LB_KG = 0.45359237


def _z(x: F64) -> F64:
    out: F64 = (x - x.mean()) / (x.std() + 1e-9)
    return out


def _within_race_rank(race: npt.NDArray[np.int64], key: F64, start: npt.NDArray[np.int64]
                      ) -> npt.NDArray[np.int64]:
    """1-based rank of key inside each race (rows grouped by race, start = first row of race)."""
    order = np.lexsort((key, race))
    rank = np.empty(race.size, dtype=np.int64)
    rank[order] = np.arange(race.size) - start[race[order]] + 1
    return rank


def run_season(cfg: SynthConfig, rng: np.random.Generator, cards: dict[str, Arr],
               horses: Horses, people: People, noise: Noise, n_days: int) -> dict[str, Arr]:
    """Simulate every day; returns runner-level columns (declared runners, race order)."""
    h = horses
    day_start = np.searchsorted(cards["day"], np.arange(n_days + 1))
    race_year = (np.datetime64(cfg.start_date, "D") + np.arange(n_days)).astype(
        "datetime64[Y]").astype(np.int64) + 1970
    out: dict[str, list[Arr]] = {}

    def emit(**cols: Arr) -> None:
        for k, v in cols.items():
            out.setdefault(k, []).append(v)

    for d in range(n_days):
        r0, r1 = day_start[d], day_start[d + 1]
        declared = cards["declared"][r0:r1].astype(np.int64)
        race = np.repeat(np.arange(r0, r1), declared)  # global race index of each slot
        n_slots = race.size
        first = np.zeros(r1 - r0, dtype=np.int64)
        first[1:] = np.cumsum(declared)[:-1]
        local = race - r0
        # --- entries: horses due a run (Gumbel top-k on a layoff hazard)
        gap_all = d - h.last_run
        ok = (h.enter_day <= d) & (h.retire_day > d) & (gap_all >= 7)
        cand = np.flatnonzero(ok)
        if cand.size < n_slots:
            raise ValueError(f"day {d}: {cand.size} horses free for {n_slots} slots; "
                             "raise n_horses")
        g = gap_all[cand]
        w = np.where(h.runs[cand] == 0, 0.4, 1.0 - libm.exp(-(g - 6.0) / 14.0))
        keys = libm.log(w) + rng.gumbel(size=cand.size)
        # argpartition leaves the top n_slots in an order that depends on the CPU (its SIMD
        # kernels), and the draws below follow that order: sorted, the world is the same everywhere.
        pick = np.sort(cand[np.argpartition(-keys, n_slots - 1)[:n_slots]])
        # --- current latent state of the picked horses
        age = (d - h.birth_day[pick]) / YEAR
        step = d - h.rw_day[pick]
        h.rw[pick] += rng.standard_normal(n_slots) * 4.0 * np.sqrt(step / YEAR)
        h.rw_day[pick] = d
        ability = h.ability[pick] + age_curve(age, h.peak_age[pick]) + h.rw[pick]
        mark = h.or_latent[pick]
        est = np.where(np.isnan(mark), ability + rng.normal(0, 8, n_slots), mark)
        # --- match horses to slots: class by estimated merit, trip by distance preference
        dist = cards["distance_m"][race].astype(np.float64)
        key_h = _z(est) + 0.4 * _z(h.opt_logdist[pick]) + rng.normal(0, 0.25, n_slots)
        cls = -cards["race_class"][race] + rng.uniform(-0.5, 0.5, n_slots)
        key_s = _z(cls) + 0.4 * _z(libm.log(dist))
        slot_of = np.empty(n_slots, dtype=np.int64)
        slot_of[np.argsort(key_s)] = np.argsort(key_h)
        hx = pick[slot_of]  # horse in each slot
        age, ability, est, mark = age[slot_of], ability[slot_of], est[slot_of], mark[slot_of]
        gap = gap_all[hx]
        runs = h.runs[hx]
        draw = _within_race_rank(local, rng.random(n_slots), first)
        # --- weights: handicaps allot weight by mark, others weight-for-age and sex allowance
        off_age = race_year[d] - h.birth_year[hx]
        fem = h.female[hx]
        hcap = cards["handicap"][race]
        top = np.maximum.reduceat(est, first)[local]
        wfa = np.where(off_age <= 2, 14.0, np.where(off_age == 3, 10.0 - 8.0 * (d % 365) / 365, 0))
        lbs = np.where(hcap, np.maximum(136.0 - (top - est), 112.0), 126.0 - wfa - 3.0 * fem)
        weight_kg = np.clip(np.round(lbs * LB_KG, 2), 50.0, 75.0)
        lbs = weight_kg / LB_KG
        # --- people
        trainer = h.trainer[hx]
        jockey = matched_index(_z(ability), 0.5, people.jockey_cum, rng)
        # --- mean performance (lbs)
        going = cards["going"][race]
        aw = cards["surface_aw"][race]
        going_eff = np.where(aw, h.aw_pref[hx],
                             -np.minimum(1.2 * (going - h.going_pref[hx]) ** 2, 12.0))
        dist_eff = -np.minimum(4.0 * ((libm.log(dist) - h.opt_logdist[hx]) / h.dist_tol[hx]) ** 2,
                               20.0)
        draw_eff = cards["draw_bias"][race] * (0.5 - (draw - 1) / (declared[local] - 1))
        fit_eff = np.where(runs == 0, -3.0,
                           -np.minimum(2.5 * libm.log(np.maximum(gap, 1) / 28.0) ** 2, 10.0))
        mu = (ability + people.trainer_skill[trainer] + people.trainer_form[d, trainer]
              + people.jockey_skill[jockey] + going_eff + dist_eff + draw_eff + fit_eff
              - (lbs - 126.0))
        # --- non-runners (keep at least 3 runners a race); late ones are withdrawn near the off
        nr = rng.random(n_slots) < cfg.nr_rate
        n_run = declared - np.bincount(local, weights=nr, minlength=r1 - r0).astype(np.int64)
        nr &= (n_run >= 3)[local]
        late = nr & (rng.random(n_slots) < 0.5)
        # --- the race: noise from the mixture; fallers etc. independent of the noise
        zmu = mu / cfg.noise_sd
        perf = zmu + noise.sample(rng, n_slots)
        dnf = ~nr & (rng.random(n_slots) < noise.dnf)
        fig = perf * cfg.noise_sd + (lbs - 126.0) + rng.normal(0, 2.0, n_slots)
        emit(race=race, horse=hx, jockey=jockey, trainer=trainer, draw=draw,
             age=off_age, sex=_sex_code(fem, h.sex_male[hx], off_age), weight_kg=weight_kg,
             official_rating=np.where((runs == 0) | np.isnan(mark), -1,
                                      np.clip(np.rint(np.nan_to_num(mark)), 0, 200)),
             speed_figure=h.last_fig[hx].copy(), non_runner=nr, late=late,
             mu=mu, z=zmu, perf=perf, dnf=dnf)
        # --- state updates for horses that ran
        ran = hx[~nr]
        h.last_run[ran] = d
        h.runs[ran] += 1
        done = ~nr & ~dnf
        fin, fg = hx[done], fig[done]
        old = h.or_latent[fin]
        h.or_latent[fin] = np.where(np.isnan(old), fg + rng.normal(0, 4, fin.size),
                                    old + 0.35 * (fg - old))
        h.last_fig[fin] = fg
    return {k: np.concatenate(v) for k, v in out.items()}


def _sex_code(female: npt.NDArray[np.bool_], male_kind: npt.NDArray[np.int8],
              age: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
    """Index into SEXES: c f g h m r (fillies become mares and colts horses at 5)."""
    young = age <= 4
    male = np.where(male_kind == 1, 2, np.where(male_kind == 2, 5, np.where(young, 0, 3)))
    return np.where(female, np.where(young, 1, 4), male).astype(np.int8)
