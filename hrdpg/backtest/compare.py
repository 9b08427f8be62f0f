"""`hrdpg models compare A B`: two registry entries side by side, and their paired difference
over the races both have published signals for (the same runners, a winner known)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg

from hrdpg.errors import HrdpgError
from hrdpg.registry import store
from hrdpg.trainer import metrics
from hrdpg.trainer.condlogit import Races

F64 = npt.NDArray[np.float64]
NAME_VERSION = re.compile(r"^([a-z][a-z0-9_\-]{0,62}):([0-9]{1,9})$")

# Per race the model's newest publication under any alias, with the result: one pass over the
# window's signals, as closing.SCORED_ROWS (no self-join planned on a fresh backfill's missing
# statistics).
PUBLISHED_ROWS = """
WITH mine AS (
    SELECT s.race_id, s.horse_id, s.p_win,
           rank() OVER (PARTITION BY s.race_id ORDER BY s.as_of DESC, s.alias) AS newest
      FROM modeling.signals s
     WHERE s.model_id = %(model)s
       AND s.race_date BETWEEN coalesce(%(lo)s::date, '-infinity') AND
                               coalesce(%(hi)s::date, 'infinity'))
SELECT m.race_id, m.horse_id, coalesce(ru.finish_pos = 1, false)::int::float8 AS won, m.p_win
  FROM mine m
  JOIN modeling.src_runners ru ON ru.race_id = m.race_id AND ru.horse_id = m.horse_id
 WHERE m.newest = 1
 ORDER BY m.race_id, m.horse_id
"""


def resolve(conn: psycopg.Connection, ref: str) -> int:
    """A model id, or name:version, to a model id; an unknown one is a one-line error."""
    m = NAME_VERSION.match(ref)
    if m:
        row = conn.execute("SELECT model_id FROM modeling.models WHERE name = %s AND "
                           "version = %s", (m.group(1), int(m.group(2)))).fetchone()
    elif ref.isdigit():
        row = conn.execute("SELECT model_id FROM modeling.models WHERE model_id = %s",
                           (int(ref),)).fetchone()
    else:
        raise HrdpgError(f"{ref!r} is neither a model id nor name:version (e.g. 12 or "
                         "hkwf:3); see `hrdpg models list`")
    if row is None:
        raise HrdpgError(f"model {ref} does not exist; see `hrdpg models list`")
    return int(row[0])


def side(info: dict[str, Any]) -> dict[str, Any]:
    """What the comparison shows of one registry entry."""
    m, p = info["metrics"] or {}, info["params"] or {}
    pub = (m.get("test") or {}).get("published") or (m.get("test") or {}).get("model") or {}
    blend = p.get("blend") if isinstance(p.get("blend"), dict) else None
    win = m.get("windows") or {}
    return {"model_id": info["model_id"], "label": f"{info['name']}:{info['version']}",
            "train": (info["train_from"], info["train_to"]),
            "calibrate": ((win.get("calibrate") or {}).get("from"),
                          (win.get("calibrate") or {}).get("to")),
            "test": (info["test_from"], info["test_to"]),
            "features": list(info["feature_names"]), "feature_version": info["feature_version"],
            "with_market": p.get("with_market"),
            "alpha": None if blend is None else blend.get("alpha"),
            "beta": None if blend is None else blend.get("beta"),
            "test_log_loss": pub.get("log_loss"), "test_pseudo_r2": pub.get("pseudo_r2"),
            "test_source": pub.get("source", "model" if pub else None)}


@dataclass
class Published:
    race_id: npt.NDArray[np.int64]
    horse_id: npt.NDArray[np.int64]
    won: F64
    p: F64


def published(conn: psycopg.Connection, model_id: int, lo: dt.date | None,
              hi: dt.date | None) -> Published:
    rows = conn.execute(PUBLISHED_ROWS, {"model": model_id, "lo": lo, "hi": hi}).fetchall()
    return Published(np.array([r[0] for r in rows], dtype=np.int64),
                     np.array([r[1] for r in rows], dtype=np.int64),
                     np.array([r[2] for r in rows], dtype=np.float64),
                     np.array([r[3] for r in rows], dtype=np.float64))


def _per_race(pub: Published) -> dict[int, tuple[tuple[int, ...], slice]]:
    out: dict[int, tuple[tuple[int, ...], slice]] = {}
    if not pub.race_id.size:
        return out
    cuts = [0, *(np.flatnonzero(np.diff(pub.race_id)) + 1).tolist(), pub.race_id.size]
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        out[int(pub.race_id[lo])] = (tuple(pub.horse_id[lo:hi].tolist()), slice(lo, hi))
    return out


def paired(a: Published, b: Published, seed: int) -> dict[str, Any] | None:
    """Over the races both published with the same runners and a winner: log loss and
    pseudo-R2 of each, and A - B with a paired race-bootstrap interval; None if no race."""
    ra, rb = _per_race(a), _per_race(b)
    common = [r for r in sorted(ra.keys() & rb.keys())
              if ra[r][0] == rb[r][0] and a.won[ra[r][1]].sum() > 0]
    if not common:
        return None
    ia = np.concatenate([np.arange(ra[r][1].start, ra[r][1].stop) for r in common])
    ib = np.concatenate([np.arange(rb[r][1].start, rb[r][1].stop) for r in common])
    races = Races.from_rows(a.race_id[ia], a.won[ia])
    losses = {"a": metrics.race_losses(races, a.p[ia]), "b": metrics.race_losses(races, b.p[ib])}
    boot = metrics.bootstrap_pseudo_r2(losses, metrics.uniform_race_losses(races), seed,
                                       (("a", "b"),))
    return {"races": races.n, "log_loss_a": float(losses["a"].mean()),
            "log_loss_b": float(losses["b"].mean()),
            "log_loss_a_minus_b": float((losses["a"] - losses["b"]).mean()),
            "a": boot["a"], "b": boot["b"], "a_minus_b": boot["a_minus_b"],
            "resamples": boot["resamples"], "level": boot["level"], "seed": seed}


def compare(conn: psycopg.Connection, ref_a: str, ref_b: str, lo: dt.date | None = None,
            hi: dt.date | None = None, seed: int = 1) -> dict[str, Any]:
    if lo is not None and hi is not None and lo > hi:
        raise HrdpgError(f"--from {lo} is after --to {hi}")
    ids = [resolve(conn, ref_a), resolve(conn, ref_b)]
    if ids[0] == ids[1]:
        raise HrdpgError(f"{ref_a} and {ref_b} are the same model ({ids[0]}); compare two")
    a, b = (side(store.show_model(conn, i)) for i in ids)
    pair = paired(published(conn, ids[0], lo, hi), published(conn, ids[1], lo, hi), seed)
    return {"a": a, "b": b, "paired": pair, "from": lo, "to": hi}
