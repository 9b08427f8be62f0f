"""Data-quality gate of the scorer: per race, per model, before anything is published.

A race failing a blocking check is not published; its check results (and every other race's)
go to modeling.dq_results. Invalid odds are reported but do not block: the runner is priced as
having no odds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
SUM_TOL = 1e-9
MIN_RUNNERS = 2


@dataclass
class GateResult:
    blocked: npt.NDArray[np.bool_]  # per race
    race_id: list[int] = field(default_factory=list)
    check_name: list[str] = field(default_factory=list)
    passed: list[bool] = field(default_factory=list)
    is_blocked: list[bool] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def add(self, race_id: int, name: str, ok: bool, blocking: bool,
            details: dict[str, Any]) -> None:
        self.race_id.append(race_id)
        self.check_name.append(name)
        self.passed.append(ok)
        self.is_blocked.append(blocking and not ok)
        self.details.append(json.dumps(details, allow_nan=False))


def _per_race(values: npt.ArrayLike, idx: I64, n: int) -> F64:
    return np.bincount(idx, weights=np.asarray(values, dtype=np.float64),
                       minlength=n).astype(np.float64)


def gate(race_ids: I64, idx: I64, horse_id: I64, x: F64, p: F64,
         invalid_odds: npt.NDArray[np.bool_], raw_odds: F64, max_null_share: float,
         model_id: int) -> GateResult:
    """Checks per race: runners, duplicates, NULL share, probabilities, odds. idx maps rows to
    races (0..len(race_ids)-1); races without rows fail min_runners."""
    n = race_ids.size
    count = np.bincount(idx, minlength=n)
    order = np.lexsort((horse_id, idx))
    dup_row = np.zeros(idx.size, dtype=bool)
    if idx.size > 1:
        same = (idx[order][1:] == idx[order][:-1]) & (horse_id[order][1:] == horse_id[order][:-1])
        dup_row[order[1:][same]] = True
    dups = _per_race(dup_row, idx, n)
    cells = count * max(x.shape[1], 1)
    nulls = _per_race(np.isnan(x).sum(axis=1) if x.size else np.zeros(idx.size), idx, n)
    null_share = np.divide(nulls, cells, out=np.zeros(n), where=cells > 0)
    finite = np.isfinite(p) & (p > 0) & (p < 1)
    bad_p = _per_race(~finite, idx, n)
    sums = _per_race(np.where(np.isfinite(p), p, 0.0), idx, n)
    res = GateResult(blocked=np.zeros(n, dtype=bool))
    for r in range(n):
        rid = int(race_ids[r])
        base: dict[str, Any] = {"model_id": model_id}
        checks: list[tuple[str, bool, bool, dict[str, Any]]] = [
            ("min_runners", bool(count[r] >= MIN_RUNNERS), True,
             {"runners": int(count[r]), "min": MIN_RUNNERS}),
            ("no_duplicate_runner", bool(dups[r] == 0), True, {"duplicates": int(dups[r])}),
            ("null_feature_share", bool(null_share[r] <= max_null_share), True,
             {"share": round(float(null_share[r]), 6), "max": max_null_share}),
            ("probabilities_valid", bool(count[r] > 0 and bad_p[r] == 0), True,
             {"bad": int(bad_p[r])}),
            ("probabilities_sum", bool(count[r] > 0 and abs(sums[r] - 1.0) <= SUM_TOL), True,
             {"sum": float(sums[r]) if np.isfinite(sums[r]) else None, "tol": SUM_TOL}),
        ]
        rows: list[int] = (np.flatnonzero((idx == r) & invalid_odds).tolist()
                           if invalid_odds.any() else [])
        bad_odds = [{"horse_id": int(horse_id[i]),
                     "odds": float(raw_odds[i]) if np.isfinite(raw_odds[i]) else str(raw_odds[i])}
                    for i in rows]
        checks.append(("odds_valid", not bad_odds, False,
                       {"invalid": bad_odds, "action": "priced as no odds"}))
        for name, ok, blocking, details in checks:
            res.add(rid, name, ok, blocking, {**base, **details})
            if blocking and not ok:
                res.blocked[r] = True
    return res
