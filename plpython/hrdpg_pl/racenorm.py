"""Race normalisation and market blend: the one step outside the ONNX graph.

Pure numpy, shared by the trainer (hrdpg.trainer) and the in-database scorer, so both turn a
model's per-runner log-strength into win probabilities with exactly the same arithmetic.

Rows may come in any order; runners of a race are found by race id. Every function works in
float64 and is stable for large log-strengths (max is subtracted per race).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def race_index(race_ids: npt.ArrayLike) -> tuple[I64, int]:
    """Dense 0..n_races-1 index of each row's race, and the number of races."""
    ids = np.asarray(race_ids)
    uniq, inverse = np.unique(ids, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), int(uniq.size)


def group_log_softmax(log_strength: npt.ArrayLike, race_ids: npt.ArrayLike) -> F64:
    """log p with p = exp(s) / sum over the race of exp(s)."""
    s = np.asarray(log_strength, dtype=np.float64).reshape(-1)
    if s.size == 0:
        return s.copy()
    if not np.all(np.isfinite(s)):
        raise ValueError("log-strengths must be finite")
    idx, n = race_index(race_ids)
    top = np.full(n, -np.inf)
    np.maximum.at(top, idx, s)
    shifted = s - top[idx]
    total = np.bincount(idx, weights=np.exp(shifted), minlength=n)
    return np.asarray(shifted - np.log(total)[idx], dtype=np.float64)


def group_softmax(log_strength: npt.ArrayLike, race_ids: npt.ArrayLike) -> F64:
    """Win probability per runner, summing to 1 within each race."""
    return np.exp(group_log_softmax(log_strength, race_ids))


def blend_log_strength(
    model_log_p: npt.ArrayLike, market_p: npt.ArrayLike, alpha: float, beta: float
) -> tuple[F64, npt.NDArray[np.bool_]]:
    """(alpha * log f + beta * log pi, usable-price mask); the caller race-normalises it.

    A runner without a usable market price (NULL/NaN or <= 0) makes its whole race fall back
    to the model alone: mixing blended and unblended runners in one race is meaningless.
    """
    f = np.asarray(model_log_p, dtype=np.float64).reshape(-1)
    pi = np.asarray(market_p, dtype=np.float64).reshape(-1)
    if f.shape != pi.shape:
        raise ValueError(f"model and market lengths differ: {f.size} vs {pi.size}")
    ok = np.isfinite(pi) & (pi > 0)
    safe = np.where(ok, pi, 1.0)
    return np.asarray(alpha * f + beta * np.log(safe), dtype=np.float64), ok


def blend(
    model_log_strength: npt.ArrayLike,
    market_p: npt.ArrayLike,
    race_ids: npt.ArrayLike,
    alpha: float,
    beta: float,
) -> F64:
    """Blended win probabilities: c proportional to exp(alpha log f + beta log pi) per race,
    f = race softmax of the model's log-strength, pi = market probability (overround removed).
    Races where any runner lacks a market price get the model's f unchanged."""
    ids = np.asarray(race_ids)
    log_f = group_log_softmax(model_log_strength, ids)
    mixed, ok = blend_log_strength(log_f, market_p, alpha, beta)
    idx, n = race_index(ids)
    race_ok = np.bincount(idx, weights=~ok, minlength=n) == 0
    use = race_ok[idx]
    return group_softmax(np.where(use, mixed, log_f), ids)


def blend_params(params: dict[str, Any]) -> tuple[float, float] | None:
    """(alpha, beta) from a model's params jsonb, or None when the model has no blend."""
    b = params.get("blend")
    if not isinstance(b, dict):
        return None
    return float(b["alpha"]), float(b["beta"])
