"""The backtest's per-period figures recomputed from signals, results and odds with plain
Python loops and a derivative-free optimiser (independent of hrdpg.backtest / trainer.metrics).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import psycopg
from scipy.optimize import minimize

PRIOR_SD = 0.5  # the blend's Gaussian prior around (alpha 1, beta 0), docs/training.md


@dataclass
class Race:
    race_id: int
    p: list[float]
    won: list[bool]
    market: list[float]
    blend: list[float]


def races_of(conn: psycopg.Connection, model_id: int, lo: dt.date, hi: dt.date,
             alias: str = "backtest") -> list[Race]:
    sig = conn.execute(
        "SELECT race_id, horse_id, p_win, as_of FROM modeling.signals"
        " WHERE alias = %s AND model_id = %s AND race_date BETWEEN %s AND %s",
        (alias, model_id, lo, hi)).fetchall()
    newest: dict[int, Any] = {}
    for race_id, _, _, as_of in sig:
        newest[race_id] = max(newest.get(race_id, as_of), as_of)
    rows: dict[int, dict[int, float]] = {}
    for race_id, horse_id, p, as_of in sig:
        if as_of == newest[race_id]:
            rows.setdefault(race_id, {})[horse_id] = p
    off = dict(conn.execute("SELECT race_id, off_time FROM racing.races WHERE race_id = ANY(%s)",
                            (list(rows),)).fetchall())
    pos = {(r, h): f for r, h, f in conn.execute(
        "SELECT race_id, horse_id, finish_pos FROM racing.runners WHERE race_id = ANY(%s)",
        (list(rows),)).fetchall()}
    closing: dict[tuple[int, int], tuple[Any, str, float]] = {}
    for r, h, seen, source, odds in conn.execute(
            "SELECT race_id, horse_id, observed_at, source, decimal_odds FROM racing.odds"
            " WHERE race_id = ANY(%s)", (list(rows),)).fetchall():
        if seen <= off[r]:
            best = closing.get((r, h))
            # the newest price; at one instant the first source by name
            if best is None or seen > best[0] or (seen == best[0] and source < best[1]):
                closing[(r, h)] = (seen, source, float(odds))
    out = []
    for r in sorted(rows, key=lambda r: (off[r], r)):
        horses = sorted(rows[r])
        if not all((r, h) in closing and closing[(r, h)][2] > 0 for h in horses):
            continue
        inv = [1.0 / closing[(r, h)][2] for h in horses]
        out.append(Race(r, [rows[r][h] for h in horses], [pos[(r, h)] == 1 for h in horses],
                        [v / sum(inv) for v in inv], []))
    return out


def loss(q: list[float], won: list[bool]) -> float:
    logs = [math.log(x) for x, w in zip(q, won, strict=True) if w]
    return -sum(logs) / len(logs)


def softmax(s: list[float]) -> list[float]:
    top = max(s)
    e = [math.exp(v - top) for v in s]
    return [v / sum(e) for v in e]


def blended(r: Race, a: float, b: float) -> list[float]:
    return softmax([a * math.log(p) + b * math.log(m) for p, m in zip(r.p, r.market,
                                                                      strict=True)])


def fit(races: list[Race]) -> tuple[float, float]:
    live = [r for r in races if any(r.won)]

    def objective(t: Any) -> float:
        nll = sum(loss(blended(r, t[0], t[1]), r.won) for r in live)
        return nll + 0.5 * ((t[0] - 1.0) ** 2 + t[1] ** 2) / PRIOR_SD ** 2

    res = minimize(objective, [1.0, 0.0], method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000})
    return float(res.x[0]), float(res.x[1])


def cross_fit(races: list[Race]) -> list[tuple[float, float]]:
    half = len(races) // 2
    first, second = races[:half], races[half:]
    fits = [fit(first), fit(second)]
    for part, (a, b) in ((second, fits[0]), (first, fits[1])):
        for r in part:
            r.blend = blended(r, a, b)
    return fits


def figures(races: list[Race], band_edges: list[float]) -> dict[str, Any]:
    live = [r for r in races if any(r.won)]
    uniform = sum(math.log(len(r.p)) for r in live)
    out: dict[str, Any] = {"races": len(live)}
    for name in ("p", "market", "blend"):
        total = sum(loss(getattr(r, name), r.won) for r in live)
        out[name] = {"log_loss": total / len(live), "pseudo_r2": 1.0 - total / uniform}
    pairs = sorted((p, float(w)) for r in live for p, w in zip(r.p, r.won, strict=True))
    n, bands = len(pairs), len(band_edges) - 1
    sums = [[0.0, 0.0] for _ in range(bands)]
    for p, y in pairs:
        k = max(i for i in range(bands) if band_edges[i] <= p)
        sums[k][0] += p
        sums[k][1] += y
    out["ece"] = sum(abs(a - b) for a, b in sums) / n
    deciles, start = [], 0
    for g in range(10):
        size = n // 10 + (1 if g < n % 10 else 0)
        group = pairs[start:start + size]
        start += size
        deciles.append((sum(p for p, _ in group) / size, sum(y for _, y in group) / size))
    out["deciles"] = deciles
    return out
