"""Horses, jockeys and trainers: who exists when, and their latent qualities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter
from scipy.special import ndtr

from hrdpg.synth import libm
from hrdpg.synth.config import SynthConfig

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
NEVER = -(10**6)  # last_run of a horse that has not run yet
YEAR = 365.25


def age_curve(age: F64, peak: F64) -> F64:
    """lbs relative to peak: steep rise to the peak age, slow decline after ~a year at peak."""
    rise = -6.0 * libm.power(np.maximum(peak - age, 0.0), 1.3)
    fall = -2.2 * libm.power(np.maximum(age - peak - 1.0, 0.0), 1.3)
    return rise + fall


def matched_index(z: F64, rho: float, cum_share: F64, rng: np.random.Generator) -> I64:
    """Pick from a skill-sorted pool (cumulative shares): better z gets better skill (corr rho)."""
    u = ndtr(rho * z + np.sqrt(1 - rho**2) * rng.standard_normal(z.size))
    idx: I64 = np.minimum(np.searchsorted(cum_share, u), cum_share.size - 1).astype(np.int64)
    return idx


@dataclass
class Horses:
    birth_year: I64
    birth_day: F64  # day index (relative to start_date) of foaling
    enter_day: F64
    retire_day: F64
    female: npt.NDArray[np.bool_]
    sex_male: npt.NDArray[np.int8]  # 0 entire, 1 gelding, 2 rig
    ability: F64  # peak ability, lbs
    peak_age: F64
    going_pref: F64  # preferred going index (0 firm .. 4 heavy)
    aw_pref: F64  # lbs on all-weather surfaces
    opt_logdist: F64
    dist_tol: F64
    trainer: I64
    # mutable state
    last_run: I64
    runs: I64
    rw: F64  # ability random walk, lbs
    rw_day: F64
    or_latent: F64
    last_fig: F64


@dataclass
class People:
    jockey_skill: F64  # sorted ascending (index = skill rank)
    jockey_cum: F64
    trainer_skill: F64  # sorted ascending
    trainer_form: F64  # (n_days, n_trainers) AR(1) form, lbs


def make_horses(cfg: SynthConfig, rng: np.random.Generator, n_days: int,
                trainer_cum: F64) -> Horses:
    """Enough foal crops that ~n_horses are in training on any day of the horizon."""
    start_year = cfg.start_date.year
    years = np.arange(start_year - 13, start_year + n_days // 365 + 1)
    crop = int(cfg.resolved_horses() / 2.9)  # horses in training ~ crop x mean career (years)
    birth_year = np.repeat(years, crop).astype(np.int64)
    n = birth_year.size
    start = np.datetime64(cfg.start_date, "D")
    jan1 = ((birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]") - start)
    birth_day = jan1.astype(np.float64) + rng.uniform(20, 140, n)  # spring foals
    enter_age = rng.choice([2.0, 3.0, 4.0], size=n, p=[0.55, 0.35, 0.10])
    enter_age += rng.uniform(0.05, 0.6, n)
    enter_day = birth_day + enter_age * YEAR
    career = 0.4 + rng.exponential(2.6, n)
    retire_day = np.minimum(enter_day + career * YEAR, birth_day + 12.0 * YEAR)
    keep = (retire_day > 0) & (enter_day < n_days)
    n = int(keep.sum())
    female = rng.random(n) < 0.4
    ability = rng.normal(72.0, 14.0, n) - 4.0 * female
    z = (ability - 72.0) / 14.0
    h = Horses(
        birth_year=birth_year[keep], birth_day=birth_day[keep], enter_day=enter_day[keep],
        retire_day=retire_day[keep], female=female,
        sex_male=rng.choice(np.array([0, 1, 2], dtype=np.int8), n, p=[0.43, 0.55, 0.02]),
        ability=ability, peak_age=rng.uniform(4.0, 5.2, n),
        going_pref=rng.normal(1.8, 1.2, n), aw_pref=rng.normal(0.0, 3.0, n),
        opt_logdist=np.clip(rng.normal(np.log(1600), 0.3, n), np.log(1000), np.log(4000)),
        dist_tol=rng.uniform(0.12, 0.30, n),
        trainer=matched_index(z, 0.3, trainer_cum, rng),
        last_run=np.full(n, NEVER, dtype=np.int64), runs=np.zeros(n, dtype=np.int64),
        rw=np.zeros(n), rw_day=np.zeros(n), or_latent=np.full(n, np.nan),
        last_fig=np.full(n, np.nan),
    )
    # horses already in training on day 0 carry a handicap mark and form figures
    veteran = h.enter_day < 0
    age0 = (0.0 - h.birth_day) / YEAR
    cur = h.ability + age_curve(age0, h.peak_age)
    h.or_latent = np.where(veteran, cur + rng.normal(0, 6, n), np.nan)
    h.last_fig = np.where(veteran, cur + rng.normal(-3, 10, n), np.nan)
    h.last_run = np.where(veteran, -rng.integers(7, 60, n), NEVER).astype(np.int64)
    h.runs = np.where(veteran, 3, 0).astype(np.int64)
    return h


def make_people(cfg: SynthConfig, rng: np.random.Generator, n_days: int) -> tuple[People, F64]:
    """Jockeys and trainers sorted by skill; returns also the trainers' cumulative yard share."""
    j_skill = np.sort(rng.normal(0.0, 1.5, cfg.n_jockeys))
    j_pop = np.exp(0.6 * j_skill / 1.5) * rng.lognormal(0, 0.5, cfg.n_jockeys)
    t_skill = np.sort(rng.normal(0.0, 2.0, cfg.n_trainers))
    t_size = np.exp(0.3 * t_skill / 2.0) * rng.lognormal(0, 1.0, cfg.n_trainers)
    # trainer form: AR(1) in days, ~2 month memory, stationary sd 2.5 lbs
    phi = float(np.exp(-1 / 60))
    shocks = rng.standard_normal((n_days + 200, cfg.n_trainers)) * 2.5 * np.sqrt(1 - phi**2)
    form = lfilter([1.0], [1.0, -phi], shocks, axis=0)[200:]  # 200-day burn-in
    people = People(
        jockey_skill=j_skill, jockey_cum=np.cumsum(j_pop) / j_pop.sum(),
        trainer_skill=t_skill, trainer_form=np.ascontiguousarray(form),
    )
    return people, np.cumsum(t_size) / t_size.sum()
