"""Test-period evaluation: model, market and blend scores, Bayes limit on the synthetic world,
and the ONNX parity gate."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from hrdpg_pl import racenorm

from hrdpg.errors import HrdpgError
from hrdpg.trainer import metrics
from hrdpg.trainer.calibrate import Blend, priced_races
from hrdpg.trainer.condlogit import Races
from hrdpg.trainer.data import Window
from hrdpg.trainer.onnx_export import run_onnx

F64 = npt.NDArray[np.float64]
PARITY_TOLERANCE = 1e-6
PARITY_ROWS = 20_000


def evaluate(w: Window, log_p: F64, blend: Blend | None, seed: int) -> dict[str, Any]:
    """Scores on the test window: the model on all races, the published probabilities (the
    blend where a race is fully priced, else the model: what scoring publishes), market / model
    / blend on fully priced races, and bootstrap intervals of their pseudo-R^2."""
    races = Races.from_rows(w.race_id, w.won)
    p = np.exp(log_p)
    p_pub = p if blend is None else racenorm.blend(log_p, w.market, w.race_id, blend.alpha,
                                                   blend.beta)
    out: dict[str, Any] = {"model": metrics.score(races, w.won, p),
                           "published": {**metrics.score(races, w.won, p_pub),
                                         "source": "model" if blend is None else "blend"},
                           "rows": w.n_rows, "races": races.n,
                           "races_with_winner": int(races.has_winner.sum())}
    boot: dict[str, Any] = {}
    if races.has_winner.any():
        boot["all_races"] = metrics.bootstrap_pseudo_r2(
            {"model": metrics.race_losses(races, p),
             "published": metrics.race_losses(races, p_pub)},
            metrics.uniform_race_losses(races), seed)
    priced = priced_races(races, w.market)
    if priced.any():
        sub = w.take(priced)
        sr = Races.from_rows(sub.race_id, sub.won)
        sources = {"market": sub.market, "model": p[priced]}
        out["priced_races"] = sr.n
        out["market_on_priced"] = metrics.score(sr, sub.won, sub.market)
        out["model_on_priced"] = metrics.score(sr, sub.won, p[priced])
        if blend is not None:
            sources["blend"] = p_pub[priced]
            out["blend_on_priced"] = metrics.score(sr, sub.won, sources["blend"])
        diffs = (("model", "market"),) + ((("blend", "market"),) if blend else ())
        if sr.has_winner.any():
            boot["priced_races"] = metrics.bootstrap_pseudo_r2(
                {k: metrics.race_losses(sr, v) for k, v in sources.items()},
                metrics.uniform_race_losses(sr), seed, diffs)
    out["pseudo_r2_bootstrap"] = boot
    return out


def truth_readable(conn: psycopg.Connection) -> bool:
    """synth.runner_truth exists and this login may read it (the trainer group may not: the
    Bayes comparison is skipped). Even to_regclass raises on a schema without USAGE."""
    row = conn.execute("""
        SELECT CASE WHEN NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'synth') THEN false
                    WHEN NOT has_schema_privilege('synth', 'USAGE') THEN false
                    ELSE coalesce(has_table_privilege(to_regclass('synth.runner_truth'),
                                                      'SELECT'), false) END""").fetchone()
    return bool(row and row[0])


def bayes(conn: psycopg.Connection, w: Window, log_p: F64) -> dict[str, Any] | None:
    """Log loss of synth.runner_truth.true_p_win on the same rows, when the world is synthetic."""
    if not truth_readable(conn):
        return None
    rows = conn.execute(
        "SELECT race_id, horse_id, true_p_win FROM synth.runner_truth "
        "WHERE race_id = ANY(%s) ORDER BY race_id, horse_id",
        (np.unique(w.race_id).tolist(),)).fetchall()
    if not rows:
        return None
    truth = np.array(rows, dtype=np.float64)
    key = truth[:, 0].astype(np.int64) * 1_000_000_007 + truth[:, 1].astype(np.int64)
    want = w.race_id * 1_000_000_007 + w.horse_id
    pos = np.clip(np.searchsorted(key, want), 0, key.size - 1)
    found = key[pos] == want
    races = Races.from_rows(w.race_id, w.won)
    complete = np.add.reduceat((~found).astype(np.float64), races.starts)[races.index] == 0
    if not complete.any():
        return None
    sub = w.take(complete)
    sr = Races.from_rows(sub.race_id, sub.won)
    p_true = racenorm.group_softmax(np.log(truth[pos[complete], 2]), sub.race_id)
    ll_true = metrics.race_log_loss(sr, p_true)
    ll_model = metrics.race_log_loss(sr, np.exp(log_p[complete]))
    ece_true, _ = metrics.calibration(sr, sub.won, p_true)
    return {"races": sr.n, "bayes_log_loss": ll_true, "model_log_loss": ll_model,
            "ratio": ll_model / ll_true, "bayes_ece": ece_true,
            "bayes_pseudo_r2": metrics.pseudo_r2(sr, p_true)}


def parity_sample(w: Window, seed: int) -> npt.NDArray[np.bool_]:
    """Whole races, up to ~PARITY_ROWS rows, chosen at random."""
    ids = np.unique(w.race_id)
    rng = np.random.default_rng(seed)
    per_race = max(w.n_rows / max(ids.size, 1), 1.0)
    take = rng.permutation(ids)[: max(1, int(PARITY_ROWS / per_race))]
    return np.isin(w.race_id, take)


def parity(artifact: bytes, w: Window, log_p: F64, blend: Blend | None) -> float:
    """Max |trainer probability - (onnxruntime + racenorm) probability| on w; raises if over."""
    p_onnx = racenorm.group_softmax(run_onnx(artifact, w.x), w.race_id)
    diff = float(np.max(np.abs(p_onnx - np.exp(log_p)))) if w.n_rows else 0.0
    if blend is not None:
        mine = _blend_independent(w, log_p, blend)
        theirs = racenorm.blend(np.log(p_onnx), w.market, w.race_id, blend.alpha, blend.beta)
        diff = max(diff, float(np.max(np.abs(mine - theirs))))
    if not diff <= PARITY_TOLERANCE:
        raise HrdpgError(
            f"parity check failed: onnxruntime + racenorm differ from the trainer by {diff:.3g} "
            f"(> {PARITY_TOLERANCE:g}); the model was not registered. Next: report this with "
            "the training command; do not lower the tolerance.")
    return diff


def _blend_independent(w: Window, log_p: F64, blend: Blend) -> F64:
    """The blend computed race by race in plain Python loops, independent of racenorm."""
    out = np.exp(log_p).copy()
    races = Races.from_rows(w.race_id, w.won)
    bounds = [*races.starts.tolist(), w.n_rows]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        pi = w.market[lo:hi]
        if not np.all(np.isfinite(pi) & (pi > 0)):
            continue
        s = blend.alpha * log_p[lo:hi] + blend.beta * np.log(pi)
        e = np.exp(s - s.max())
        out[lo:hi] = e / e.sum()
    return out
