"""Writes of the scorer: signals (one set-based upsert), dq_results, the run row.

Arrays go to the server as one parameter per column and come back as rows through unnest, so
a day is one INSERT ... SELECT whatever its size; NaN becomes NULL on the way.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg_pl.model_cache import prepared
from hrdpg_pl.scoring_dq import GateResult

SIGNAL_COLUMNS: list[tuple[str, str]] = [
    ("as_of", "timestamptz"), ("race_id", "int8"), ("horse_id", "int8"), ("model_id", "int8"),
    ("run_id", "int8"), ("race_date", "date"), ("off_time", "timestamptz"),
    ("p_win", "float8"), ("p_model", "float8"), ("p_place", "float8"), ("ew_places", "int2"),
    ("ew_fraction", "float8"), ("fair_win_odds", "float8"), ("fair_place_odds", "float8"),
    ("best_win_odds", "float8"), ("best_odds_source", "text"), ("best_odds_at", "timestamptz"),
    ("edge_win", "float8"), ("edge_each_way", "float8"), ("kelly_fraction", "float8"),
    ("stake_fraction", "float8"), ("liquidity_ok", "boolean"), ("reasons_json", "jsonb"),
    ("feature_version", "text"), ("alias", "text"),
]
_NAMES = [c for c, _ in SIGNAL_COLUMNS]
_UPDATE = [c for c in _NAMES if c not in ("as_of", "race_id", "horse_id", "model_id")]

# Built once from the constant column list above; no value is ever glued in.
UPSERT_SQL = (
    "INSERT INTO modeling.signals AS s ("  # noqa: S608
    + ", ".join(_NAMES) + ")\n"
    "SELECT " + ", ".join(
        "u.ew_fraction::numeric(4, 3)" if c == "ew_fraction" else f"u.{c}" for c in _NAMES)
    + "\n  FROM unnest(" + ", ".join(f"${i + 1}::{t}[]" for i, (_, t) in enumerate(SIGNAL_COLUMNS))
    + ") AS u(" + ", ".join(_NAMES) + ")\n"
    "ON CONFLICT ON CONSTRAINT signals_natural_key DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATE) + ", created_at = now()"
)


def nullable(values: npt.ArrayLike) -> list[float | None]:
    """float list with NaN as None (NULL)."""
    return [None if v != v else v for v in np.asarray(values, dtype=np.float64).tolist()]


class SignalBatch:
    """Columns of the signals to publish, appended model by model, written in one statement."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {c: [] for c in _NAMES}

    def extend(self, **columns: list[Any]) -> None:
        lengths = {len(v) for v in columns.values()}
        if set(columns) != set(_NAMES) or len(lengths) > 1:
            raise ValueError("signal batch: every column, same length")
        for name, values in columns.items():
            self.cols[name].extend(values)

    def __len__(self) -> int:
        return len(self.cols["race_id"])

    def write(self, plpy: Any) -> int:
        if not len(self):
            return 0
        plan = prepared(plpy, "upsert_signals", UPSERT_SQL, [f"{t}[]" for _, t in SIGNAL_COLUMNS])
        plpy.execute(plan, [self.cols[c] for c in _NAMES])
        return len(self)


DQ_SQL = """
INSERT INTO modeling.dq_results (run_id, race_id, check_name, passed, blocked, details)
SELECT $1, u.race_id, u.check_name, u.passed, u.blocked, u.details
  FROM unnest($2::int8[], $3::text[], $4::boolean[], $5::boolean[], $6::jsonb[])
       AS u(race_id, check_name, passed, blocked, details)
"""


def write_dq(plpy: Any, run_id: int, gate: GateResult) -> int:
    if not gate.race_id:
        return 0
    plan = prepared(plpy, "dq", DQ_SQL, ["int8", "int8[]", "text[]", "boolean[]", "boolean[]",
                                         "jsonb[]"])
    plpy.execute(plan, [run_id, gate.race_id, gate.check_name, gate.passed, gate.is_blocked,
                        gate.details])
    return len(gate.race_id)


START_RUN_SQL = """
INSERT INTO modeling.runs (kind, race_date, model_id, params, triggered_by)
VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING run_id
"""

FINISH_RUN_SQL = """
UPDATE modeling.runs
   SET status = 'ok', finished_at = clock_timestamp(), rows_in = $2, rows_out = $3,
       races_published = $4, races_blocked = $5, timings_ms = $6::jsonb,
       params = params || $7::jsonb
 WHERE run_id = $1
"""

SKIP_RUN_SQL = """
INSERT INTO modeling.runs (kind, status, race_date, params, triggered_by, finished_at)
VALUES ($1, 'skipped', $2, $3::jsonb, $4, clock_timestamp()) RETURNING run_id
"""


def start_run(plpy: Any, kind: str, race_date: str | None, model_id: int | None,
              params: dict[str, Any], triggered_by: str) -> int:
    plan = prepared(plpy, "start_run", START_RUN_SQL, ["text", "date", "int8", "text", "text"])
    return int(plpy.execute(plan, [kind, race_date, model_id, json.dumps(params),
                                   triggered_by])[0]["run_id"])


def finish_run(plpy: Any, run_id: int, rows_in: int, rows_out: int, published: int,
               blocked: int, timings_ms: dict[str, float], extra: dict[str, Any]) -> None:
    plan = prepared(plpy, "finish_run", FINISH_RUN_SQL,
                    ["int8", "int8", "int8", "int4", "int4", "text", "text"])
    plpy.execute(plan, [run_id, rows_in, rows_out, published, blocked,
                        json.dumps({k: round(v, 3) for k, v in timings_ms.items()}),
                        json.dumps(extra)])


def skip_run(plpy: Any, kind: str, race_date: str, params: dict[str, Any],
             triggered_by: str) -> int:
    plan = prepared(plpy, "skip_run", SKIP_RUN_SQL, ["text", "date", "text", "text"])
    return int(plpy.execute(plan, [kind, race_date, json.dumps(params),
                                   triggered_by])[0]["run_id"])
