"""The betting market: true probabilities seen through noise that shrinks toward the off.

Log-odds noise is nested (morning = 1 h noise + more, 1 h = close noise + more), so later prices
carry strictly more information. Bookmakers add a favourite-longshot bias (p ** alpha) and a
10-25% overround and shade prices down to a ladder; the exchange is near-fair (~101% book).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hrdpg.synth.config import SynthConfig

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
SOURCES: tuple[str, ...] = ("synth_book_a", "synth_book_b", "synth_exchange")
_FRAC = [(1, 10), (1, 8), (1, 6), (1, 5), (2, 9), (1, 4), (2, 7), (1, 3), (4, 11), (2, 5), (4, 9),
         (1, 2), (8, 15), (4, 7), (8, 13), (4, 6), (8, 11), (4, 5), (5, 6), (10, 11), (1, 1),
         (11, 10), (6, 5), (5, 4), (11, 8), (6, 4), (13, 8), (7, 4), (15, 8), (2, 1), (9, 4),
         (5, 2), (11, 4), (3, 1), (10, 3), (7, 2), (4, 1), (9, 2), (5, 1), (11, 2), (6, 1), (13, 2),
         (7, 1), (15, 2), (8, 1), (17, 2), (9, 1), (10, 1), (11, 1), (12, 1), (14, 1), (16, 1),
         (18, 1), (20, 1), (22, 1), (25, 1), (28, 1), (33, 1), (40, 1), (50, 1), (66, 1), (80, 1),
         (100, 1), (125, 1), (150, 1), (200, 1), (250, 1), (500, 1)]
BOOK_LADDER = np.round(np.array([1.0 + a / b for a, b in _FRAC]), 3)
_TICKS = [(1.01, 2.0, 0.01), (2.0, 3.0, 0.02), (3.0, 4.0, 0.05), (4.0, 6.0, 0.1), (6.0, 10.0, 0.2),
          (10.0, 20.0, 0.5), (20.0, 30.0, 1.0), (30.0, 50.0, 2.0), (50.0, 100.0, 5.0),
          (100.0, 1000.01, 10.0)]
EXCHANGE_LADDER = np.unique(np.round(np.concatenate(
    [np.arange(a, b - 1e-9, s) for a, b, s in _TICKS] + [np.array([1000.0])]), 2))

RULE4_MAX_ODDS = np.array([1.30, 1.40, 1.53, 1.62, 1.80, 1.95, 2.20, 2.50, 2.75, 3.25, 4.0, 5.0,
                           6.5, 10.0, 15.0])
RULE4_DEDUCTION = np.array([0.75, 0.70, 0.65, 0.60, 0.55, 0.50, 0.45, 0.40, 0.35, 0.30, 0.25,
                            0.20, 0.15, 0.10, 0.05, 0.0])


def round_down(odds: F64, ladder: F64) -> F64:
    """Largest ladder price <= odds (prices are shaded against the punter); min = ladder[0]."""
    i = np.searchsorted(ladder, odds + 1e-9, side="right") - 1
    return np.asarray(ladder[np.clip(i, 0, ladder.size - 1)])


def round_nearest(odds: F64, ladder: F64) -> F64:
    """Nearest ladder price (in log terms)."""
    i = np.clip(np.searchsorted(ladder, odds), 1, ladder.size - 1)
    lo, hi = ladder[i - 1], ladder[i]
    return np.asarray(np.where(np.log(odds / lo) < np.log(hi / odds), lo, hi))


def rule4(odds: F64) -> F64:
    """UK Rule 4 deduction (pence in the pound) for a withdrawn horse at these decimal odds."""
    return np.asarray(RULE4_DEDUCTION[np.searchsorted(RULE4_MAX_ODDS, odds, side="left")])


def _softmax_by(race: I64, s: F64, n_races: int) -> F64:
    mx = np.full(n_races, -np.inf)
    np.maximum.at(mx, race, s)
    e = np.exp(s - mx[race])
    return np.asarray(e / np.bincount(race, weights=e, minlength=n_races)[race])


def _book(race: I64, p: F64, n_races: int, overround: F64, alpha: float) -> F64:
    """Bookmaker decimal odds: FLB (p ** alpha, renormalised), scaled to the book, laddered."""
    q = p**alpha
    q = q / np.bincount(race, weights=q, minlength=n_races)[race] * (1 + overround[race])
    odds = round_down(1.0 / np.minimum(q, 0.99), BOOK_LADDER)
    # shading to the ladder adds margin; where it leaves the 10-25% band, quote to the penny
    book = np.bincount(race, weights=1.0 / odds, minlength=n_races)
    off = ((book < 1.10) | (book > 1.25))[race]
    odds[off] = np.floor(100.0 / np.minimum(q[off], 0.99)) / 100.0
    return np.clip(odds, 1.01, 1000.0)


def market(cfg: SynthConfig, rng: np.random.Generator, race: I64, in_field: npt.NDArray[np.bool_],
           runs: npt.NDArray[np.bool_], logp: F64, n_races: int
           ) -> dict[str, F64]:
    """Prices per row and snapshot. in_field: priced in the morning (runners + late NRs);
    runs: still in at the close; logp: log of the probability the market should learn.

    Returns odds arrays (NaN where a row is not priced): morning_a/b, hour_a/b, close_a, exchange
    and the matched exchange volume share.
    """
    m = cfg.market_noise
    n = race.size
    e_close = rng.normal(0, 0.12 * m, n)
    e_hour = e_close + rng.normal(0, 0.22 * m, n)
    e_morn = e_hour + rng.normal(0, 0.30 * m, n)
    n_field = np.bincount(race, weights=in_field, minlength=n_races)
    over = np.clip(rng.uniform(0.11, 0.15, n_races) + 0.004 * (n_field - 10), 0.105, 0.2)
    out: dict[str, F64] = {}
    for name, err, mask in (("morning", e_morn, in_field), ("hour", e_hour, in_field),
                            ("close", e_close, runs)):
        rows = np.flatnonzero(mask)
        books = ("a", "b") if name != "close" else ("a",)
        for b in books:
            own = rng.normal(0, 0.04 * m, rows.size)  # each book's own opinion
            p = _softmax_by(race[rows], logp[rows] + err[rows] + own, n_races)
            col = np.full(n, np.nan)
            col[rows] = _book(race[rows], p, n_races, over, cfg.flb_alpha)
            out[f"{name}_{b}"] = col
        if name == "close":
            p = _softmax_by(race[rows], logp[rows] + err[rows] + rng.normal(0, 0.02, rows.size),
                            n_races)
            col = np.full(n, np.nan)
            # a 1% shade (the layers' edge), then the nearest tick: a ~100-102% book
            col[rows] = round_nearest(np.minimum(0.99 / p, 1000.0), EXCHANGE_LADDER)
            out["exchange"] = col
            vol = np.full(n, np.nan)
            vol[rows] = p
            out["volume_share"] = vol
    return out
