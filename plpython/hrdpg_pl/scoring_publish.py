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
from hrdpg_pl.scoring_dq import CRITICAL_RACE_SHARE, GateResult
from hrdpg_pl.scoring_fetch import Races

# Per published row. What a row shares with its race (as_of, race_id, race_date, off_time),
# its model (model_id, alias), the run and its odds source comes in small per-race, per-model
# and per-source arrays subscripted by position (race_slot, model_slot, source_slot;
# 1-based), and the odds time as
# integer microseconds: PL/Python converts every array element through its text form, so a
# row no longer pays for three timestamps and four strings on the way in. JSON travels as
# text and is cast per row in SQL: a jsonb[] parameter measured 1.5x the cost (the array of
# parsed documents is built and copied first).
ROW_COLUMNS: list[tuple[str, str]] = [
    ("race_slot", "int4"), ("horse_id", "int8"), ("model_slot", "int4"),
    ("p_win", "float8"),
    ("p_model", "float8"), ("p_place", "float8"), ("ew_places", "int2"),
    ("ew_fraction", "float8"), ("fair_win_odds", "float8"), ("fair_place_odds", "float8"),
    ("best_win_odds", "float8"), ("source_slot", "int4"), ("at_us", "int8"),
    ("edge_win", "float8"),
    ("edge_each_way", "float8"), ("kelly_fraction", "float8"), ("stake_fraction", "float8"),
    ("liquidity_ok", "boolean"), ("reasons_json", "text"), ("stake_withheld", "text"),
]
LOOKUP_TYPES = ["int8[]", "timestamptz[]", "date[]", "timestamptz[]",  # per race
                "int8[]", "text[]",  # per model
                "text[]",  # per odds source
                "int8", "text"]  # run_id, feature_version
_ROW_NAMES = [c for c, _ in ROW_COLUMNS]
# signals column <- expression over u (the row) and $1..$9 (the lookups)
_TARGETS: list[tuple[str, str]] = [
    ("as_of", "($2::timestamptz[])[u.race_slot]"), ("race_id", "($1::int8[])[u.race_slot]"),
    ("horse_id", "u.horse_id"), ("model_id", "($5::int8[])[u.model_slot]"),
    ("run_id", "$8::int8"),
    ("race_date", "($3::date[])[u.race_slot]"),
    ("off_time", "($4::timestamptz[])[u.race_slot]"),
    ("p_win", "u.p_win"), ("p_model", "u.p_model"), ("p_place", "u.p_place"),
    ("ew_places", "u.ew_places"), ("ew_fraction", "u.ew_fraction::numeric(4, 3)"),
    ("fair_win_odds", "u.fair_win_odds"), ("fair_place_odds", "u.fair_place_odds"),
    ("best_win_odds", "u.best_win_odds"), ("best_odds_source", "($7::text[])[u.source_slot]"),
    # exact: int8 -> float8 is exact below 2^53 microseconds, and so is the product
    ("best_odds_at", "timestamptz 'epoch' + u.at_us * interval '1 microsecond'"),
    ("edge_win", "u.edge_win"), ("edge_each_way", "u.edge_each_way"),
    ("kelly_fraction", "u.kelly_fraction"), ("stake_fraction", "u.stake_fraction"),
    ("liquidity_ok", "u.liquidity_ok"), ("reasons_json", "u.reasons_json::jsonb"),
    # check names, comma-joined (an array per row cannot travel through unnest)
    ("stake_withheld", "string_to_array(u.stake_withheld, ',')"),
    ("feature_version", "$9::text"), ("alias", "($6::text[])[u.model_slot]"),
]
_KEY = ("as_of", "race_id", "horse_id", "model_id")
# What makes two publications of a race the same: every published value but the stamp.
_SAME = [c for c, _ in _TARGETS if c not in ("as_of", "run_id")]
_ROWS = ("SELECT " + ", ".join(f"{e} AS {c}" for c, e in _TARGETS)  # noqa: S608
         + "\n  FROM unnest(" + ", ".join(f"${i + 10}::{t}[]"
                                        for i, (_, t) in enumerate(ROW_COLUMNS))
         + ") AS u(" + ", ".join(_ROW_NAMES) + ")")
_INSERT = ("INSERT INTO modeling.signals AS s ("  # noqa: S608
           + ", ".join(c for c, _ in _TARGETS) + ")\n"
           "SELECT " + ", ".join(c for c, _ in _TARGETS) + " FROM new_rows n")
_UPSERT = (
    "ON CONFLICT ON CONSTRAINT signals_natural_key DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c, _ in _TARGETS if c not in _KEY)
    + ", created_at = now() RETURNING s.alias, s.race_id")
_COUNT = ("SELECT w.alias, count(*)::int8 AS n_rows, count(DISTINCT w.race_id)::int8 AS n_races "
          "FROM written w GROUP BY w.alias")
_SAME_COLS = ", ".join(_SAME)
# Built once from the constant lists above; no value is ever glued in.
UPSERT_SQL = (f"WITH new_rows AS ({_ROWS}),\n"
              f"written AS ({_INSERT}\n{_UPSERT})\n{_COUNT}")
# The refresh's publish: a race (per alias) whose rows equal, value for value, its newest
# publication at or before this as_of is left out, so the as-of reading of that moment
# (the newest publication <= it) already gives what a full publication would have given.
# The previous publications are also looked up by the call's dates ($3, a parameter): the
# planner prunes signals to their months when planning, instead of planning every partition
# and pruning per probed race.
UPSERT_CHANGED_SQL = (
    f"WITH new_rows AS ({_ROWS}),\n"  # noqa: S608
    "prev AS (SELECT s.* FROM (SELECT DISTINCT n.alias, n.race_date, n.race_id, n.as_of\n"
    "                            FROM new_rows n) k\n"
    "  CROSS JOIN LATERAL (SELECT max(p.as_of) AS as_of FROM modeling.signals p\n"
    "                       WHERE p.alias = k.alias AND p.race_date = k.race_date\n"
    "                         AND p.race_date = ANY ($3::date[])\n"
    "                         AND p.race_id = k.race_id AND p.as_of <= k.as_of) newest\n"
    "  JOIN modeling.signals s ON s.alias = k.alias AND s.race_date = k.race_date\n"
    "   AND s.race_date = ANY ($3::date[])\n"
    "   AND s.race_id = k.race_id AND s.as_of = newest.as_of),\n"
    f"changed AS (SELECT race_id, alias FROM ((SELECT {_SAME_COLS} FROM new_rows\n"
    f"                                         EXCEPT SELECT {_SAME_COLS} FROM prev)\n"
    f"                                        UNION ALL (SELECT {_SAME_COLS} FROM prev\n"
    f"                                         EXCEPT SELECT {_SAME_COLS} FROM new_rows)) d),\n"
    f"written AS ({_INSERT}\n WHERE (n.race_id, n.alias) IN (SELECT race_id, alias FROM changed)"
    f"\n{_UPSERT})\n{_COUNT}")


def nullable(values: npt.ArrayLike) -> list[float | None]:
    """float list with NaN as None (NULL)."""
    return [None if v != v else v for v in np.asarray(values, dtype=np.float64).tolist()]


# A column part as add_signals hands it over: a numpy array (float: NaN is NULL), a
# (values, null mask) pair, or a list with None for NULL.
Part = Any


def part_len(part: Part) -> int:
    return len(part[0]) if isinstance(part, tuple) else len(part)


def part_list(part: Part) -> list[Any]:
    """The part as the SQL path's parameter list (None = NULL)."""
    if isinstance(part, tuple):
        values, null = part
        return [None if z else v for v, z in zip(values.tolist(), null.tolist(), strict=True)]
    if isinstance(part, np.ndarray):
        return nullable(part) if part.dtype.kind == "f" else part.tolist()
    return list(part)


class SignalBatch:
    """The signals of one date range to publish, model by model, written in one statement.

    races: the range's races (sorted by race_id, as scoring_fetch.races returns them)."""

    def __init__(self, races: Races, run_id: int, feature_version: str) -> None:
        self.races = races
        self.run_id = run_id
        self.feature_version = feature_version
        self.models: list[tuple[int, str]] = []
        self.sources: dict[str, int] = {}
        self.cols: dict[str, list[Part]] = {c: [] for c in _ROW_NAMES}

    def model_slot(self, model_id: int, alias: str) -> int:
        self.models.append((model_id, alias))
        return len(self.models)

    def source_slots(self, sources: list[str | None]) -> list[int | None]:
        return [None if s is None else self.sources.setdefault(s, len(self.sources) + 1)
                for s in sources]

    def extend(self, **columns: Part) -> None:
        lengths = {part_len(v) for v in columns.values()}
        if set(columns) != set(_ROW_NAMES) or len(lengths) > 1:
            raise ValueError("signal batch: every column, same length")
        for name, values in columns.items():
            self.cols[name].append(values)

    def __len__(self) -> int:
        return sum(part_len(p) for p in self.cols["race_slot"])

    def column(self, name: str) -> list[Any]:
        return [v for part in self.cols[name] for v in part_list(part)]

    def write(self, plpy: Any, only_changed: bool = False) -> dict[str, tuple[int, int]]:
        """Upsert the batch; only_changed leaves out a race whose rows equal its newest
        publication so far (per alias). Returns {alias: (rows, races) written}."""
        if not len(self):
            return {}
        plan = prepared(plpy, "upsert_changed" if only_changed else "upsert_signals",
                        UPSERT_CHANGED_SQL if only_changed else UPSERT_SQL,
                        LOOKUP_TYPES + [f"{t}[]" for _, t in ROW_COLUMNS])
        r = self.races
        out = plpy.execute(plan, [r.race_id.tolist(), r.as_of, r.race_date, r.off_time,
                                  [m for m, _ in self.models], [a for _, a in self.models],
                                  list(self.sources), self.run_id, self.feature_version]
                           + [self.column(c) for c in _ROW_NAMES])
        return {str(w["alias"]): (int(w["n_rows"]), int(w["n_races"])) for w in out}


DQ_SQL = """
INSERT INTO modeling.dq_results (run_id, race_id, check_name, passed, blocked, details)
SELECT $1, u.race_id, u.check_name, u.passed, u.blocked, u.details::jsonb
  FROM unnest($2::int8[], $3::text[], $4::boolean[], $5::boolean[], $6::text[])
       AS u(race_id, check_name, passed, blocked, details)
"""


def write_dq(plpy: Any, run_id: int, gate: GateResult) -> int:
    if not gate.race_id:
        return 0
    plan = prepared(plpy, "dq", DQ_SQL, ["int8", "int8[]", "text[]", "boolean[]", "boolean[]",
                                         "text[]"])
    plpy.execute(plan, [run_id, gate.race_id, gate.check_name, gate.passed, gate.is_blocked,
                        gate.details])
    return len(gate.race_id)


DQ_ALERT_SQL = "SELECT modeling.raise_alert($1, 'dq', $2, $3, $4::jsonb)"


def alert_dq(plpy: Any, run_id: int, model_id: int, alias: str, dates: str,
             race_ids: list[int], gate: GateResult) -> None:
    """One alert per alias and date range when races were blocked or published without
    stakes; a re-score of the range bumps it (raise_alert's dedup_key) instead of adding one."""
    blocked = [int(r) for r, b in zip(race_ids, gate.blocked.tolist(), strict=True) if b]
    withheld = sorted(set(gate.withheld) - set(blocked))
    if not blocked and not withheld:
        return
    checks: dict[str, int] = {}
    for r, name, is_blocked in zip(gate.race_id, gate.check_name, gate.is_blocked, strict=True):
        if is_blocked or name in gate.withheld.get(r, ()):
            checks[name] = checks.get(name, 0) + 1
    share = (len(blocked) + len(withheld)) / max(len(race_ids), 1)
    severity = "critical" if share >= CRITICAL_RACE_SHARE else "warning"
    why = ", ".join(f"{k} {v}" for k, v in sorted(checks.items()))
    message = (f"{alias} {dates}: of {len(race_ids)} races, {len(blocked)} not published and "
               f"{len(withheld)} published without stakes ({why}); see dq_results of run "
               f"{run_id}")
    plpy.execute(prepared(plpy, "dq_alert", DQ_ALERT_SQL, ["text", "text", "text", "text"]),
                 [severity, f"{alias}:{dates}", message, json.dumps(
                     {"run_id": run_id, "model_id": model_id, "races": len(race_ids),
                      "blocked": blocked[:50], "withheld": withheld[:50], "checks": checks})])


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
