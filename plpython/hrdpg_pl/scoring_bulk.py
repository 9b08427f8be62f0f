"""The backfill's publish: signals and dq_results by binary COPY, each foreign key checked once.

A chunk of score_range writes thousands of rows. The row-by-row path (scoring_publish) passes
every value through PL/Python's text conversion and fires two foreign-key checks per signals
row (a `SELECT ... FOR KEY SHARE` of the same model row and the same run row, thousands of
times). Here the rows are encoded once as a binary COPY stream (copy_binary), written to a
private file of the backend and loaded with COPY FROM it, as pg_restore or a bulk loader would.

Integrity: every row of a chunk references the same run and one of a few models, by
construction (the batch's lookups). The per-row checks would lock those rows FOR KEY SHARE and
find them; this locks them once, in this transaction, and fails if one is missing, then runs
the COPY with session_replication_role = replica, which skips the referencing side's RI
triggers (and only triggers: NOT NULL, CHECK and unique constraints still hold). The locks
keep a concurrent DELETE of the model or run waiting until commit, when its own check
(referenced side, not affected) sees the new rows, exactly as after per-row checks.

The fast path is only taken when it cannot differ from the upsert: no row of the chunk's
(as_of, race, model) keys exists yet (a re-run of a range takes the upsert), and signals and
dq_results carry no trigger besides the foreign keys' (a user trigger would be skipped).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg_pl import copy_binary as cb
from hrdpg_pl.model_cache import prepared
from hrdpg_pl.scoring_dq import GateResult
from hrdpg_pl.scoring_publish import SignalBatch

# The signals columns the stream carries, in order (created_at takes its default).
SIGNAL_COLUMNS = (
    "as_of", "race_id", "horse_id", "model_id", "run_id", "race_date", "off_time", "p_win",
    "p_model", "p_place", "ew_places", "ew_fraction", "fair_win_odds", "fair_place_odds",
    "best_win_odds", "best_odds_source", "best_odds_at", "edge_win", "edge_each_way",
    "kelly_fraction", "stake_fraction", "liquidity_ok", "stake_withheld", "feature_version",
    "alias", "reasons_json")
DQ_COLUMNS = ("run_id", "race_id", "check_name", "passed", "blocked", "details")
EW_FRACTION_SCALE = 3  # signals.ew_fraction numeric(4, 3)

# Can the COPY path give what the upsert would? No existing row of these keys, and no
# insert trigger whose firing depends on session_replication_role (on the tables or their
# partitions): replica mode skips the origin-mode ones ('O') and fires the replica-only ones
# ('R'). Triggers enabled always ('A', as signals_newest_advance) fire on both paths. tgtype
# bit 4 is TRIGGER_TYPE_INSERT. The key includes race_date, signals' partition key: the
# chunk's first and last date ($5, $6) prune signals to the chunk's months when planning
# (without them every race probed every month's partition: ~0.2 s a chunk on 5 years).
PRECHECK_SQL = """
SELECT EXISTS (SELECT 1 FROM unnest($1::int8[], $2::timestamptz[], $4::date[])
                                 AS k(race_id, as_of, race_date)
                 JOIN modeling.signals s ON s.as_of = k.as_of AND s.race_id = k.race_id
                                        AND s.race_date = k.race_date
                                        AND s.race_date BETWEEN $5 AND $6
                WHERE s.model_id = ANY($3::int8[])) AS conflict,
       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                WHERE NOT t.tgisinternal AND t.tgenabled IN ('O', 'R')
                  AND (t.tgtype & 4) <> 0 AND t.tgrelid IN (
                      SELECT c.oid FROM pg_catalog.pg_class c
                       WHERE c.oid IN ('modeling.signals'::regclass,
                                       'modeling.dq_results'::regclass)
                      UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i
                       WHERE i.inhparent IN ('modeling.signals'::regclass,
                                             'modeling.dq_results'::regclass))) AS triggers
"""
LOCK_MODELS_SQL = ("SELECT m.model_id FROM modeling.models m WHERE m.model_id = ANY($1::int8[]) "
                   "FOR KEY SHARE")
LOCK_RUN_SQL = "SELECT r.run_id FROM modeling.runs r WHERE r.run_id = $1 FOR KEY SHARE"
ROLE_SQL = ("SELECT pg_catalog.current_setting('session_replication_role') AS r, "
            "pg_catalog.set_config('session_replication_role', $1, true) AS s")


def _values(batch: SignalBatch, name: str, dtype: type) -> tuple[npt.NDArray[Any],
                                                                npt.NDArray[np.bool_]]:
    """A batch column as one array and its NULL mask."""
    vals: list[npt.NDArray[Any]] = []
    nulls: list[npt.NDArray[np.bool_]] = []
    for part in batch.cols[name]:
        if isinstance(part, tuple):
            vals.append(np.asarray(part[0], dtype=dtype))
            nulls.append(np.asarray(part[1], dtype=bool))
        elif isinstance(part, np.ndarray):
            vals.append(part.astype(dtype))
            nulls.append(np.isnan(part) if part.dtype.kind == "f"
                         else np.zeros(part.size, dtype=bool))
        else:
            nulls.append(np.fromiter((v is None for v in part), dtype=bool, count=len(part)))
            vals.append(np.array([0 if v is None else v for v in part], dtype=dtype))
    if not vals:
        return np.zeros(0, dtype=dtype), np.zeros(0, dtype=bool)
    return np.concatenate(vals), np.concatenate(nulls)


def _floats(batch: SignalBatch, name: str) -> cb.Field:
    values, null = _values(batch, name, np.float64)
    return cb.float8(np.where(null, np.nan, values))


def _objects(batch: SignalBatch, name: str) -> list[Any]:
    return [v for part in batch.cols[name] for v in part]


def signal_fields(batch: SignalBatch) -> list[cb.Field]:
    """The batch as binary COPY fields in SIGNAL_COLUMNS order."""
    r = batch.races
    race = _values(batch, "race_slot", np.int64)[0] - 1
    model = _values(batch, "model_slot", np.int64)[0] - 1
    model_ids = np.array([m for m, _ in batch.models], dtype=np.int64)
    aliases = [a for _, a in batch.models]
    src, src_null = _values(batch, "source_slot", np.int64)
    source_names = list(batch.sources)
    at_us, at_null = _values(batch, "at_us", np.int64)
    ew_places, ew_null = _values(batch, "ew_places", np.int64)
    liquid, liquid_null = _values(batch, "liquidity_ok", bool)
    n = race.size
    withheld = _objects(batch, "stake_withheld")
    return [
        cb.timestamptz_us(r.as_of_us[race]), cb.int8(r.race_id[race]),
        cb.int8(_values(batch, "horse_id", np.int64)[0]), cb.int8(model_ids[model]),
        cb.int8(np.full(n, batch.run_id, dtype=np.int64)), cb.date_days(r.day[race]),
        cb.timestamptz_us(r.off_us[race]), _floats(batch, "p_win"),
        _floats(batch, "p_model"), _floats(batch, "p_place"), cb.int2(ew_places, ew_null),
        cb.numeric(_floats_array(batch, "ew_fraction"), EW_FRACTION_SCALE),
        _floats(batch, "fair_win_odds"), _floats(batch, "fair_place_odds"),
        _floats(batch, "best_win_odds"),
        cb.text([None if z else source_names[int(i) - 1]
                 for i, z in zip(src.tolist(), src_null.tolist(), strict=True)]),
        cb.timestamptz_us(at_us, at_null), _floats(batch, "edge_win"),
        _floats(batch, "edge_each_way"), _floats(batch, "kelly_fraction"),
        _floats(batch, "stake_fraction"), cb.boolean(liquid, liquid_null),
        cb.text_array([None if w is None else w.split(",") for w in withheld]),
        cb.text([batch.feature_version] * n), cb.text([aliases[i] for i in model.tolist()]),
        cb.jsonb(_objects(batch, "reasons_json"))]


def _floats_array(batch: SignalBatch, name: str) -> npt.NDArray[np.float64]:
    values, null = _values(batch, name, np.float64)
    return np.where(null, np.nan, values)


def dq_fields(run_id: int, gates: list[GateResult]) -> list[cb.Field]:
    race = [r for g in gates for r in g.race_id]
    return [cb.int8(np.full(len(race), run_id, dtype=np.int64)), cb.int8(np.array(race)),
            cb.text([c for g in gates for c in g.check_name]),
            cb.boolean(np.array([p for g in gates for p in g.passed], dtype=bool)),
            cb.boolean(np.array([b for g in gates for b in g.is_blocked], dtype=bool)),
            cb.jsonb([d for g in gates for d in g.details])]


def counts(batch: SignalBatch) -> dict[str, tuple[int, int]]:
    """{alias: (rows, races)} of the batch, as the upsert's RETURNING counts them."""
    race = _values(batch, "race_slot", np.int64)[0]
    model = _values(batch, "model_slot", np.int64)[0]
    out: dict[str, tuple[int, int]] = {}
    for slot, (_, alias) in enumerate(batch.models, start=1):
        mine = model == slot
        rows, races = out.get(alias, (0, 0))
        out[alias] = (rows + int(mine.sum()), races + int(np.unique(race[mine]).size))
    return out


def _copy(plpy: Any, table: str, columns: tuple[str, ...], fields: list[cb.Field]) -> None:
    fd, name = tempfile.mkstemp(prefix="hrdpg_copy_", suffix=".bin")  # 0600, this OS user
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(cb.encode(fields))
        plpy.execute(f"COPY {table} ({', '.join(columns)}) FROM "  # noqa: S608 (constants)
                     f"{plpy.quote_literal(name)} (FORMAT binary)")
    finally:
        Path(name).unlink(missing_ok=True)


def can_copy(plpy: Any, batch: SignalBatch) -> bool:
    r = batch.races
    first, last = (min(r.race_date), max(r.race_date)) if r.n else (None, None)
    got = plpy.execute(prepared(plpy, "bulk_precheck", PRECHECK_SQL,
                                ["int8[]", "timestamptz[]", "int8[]", "date[]", "date", "date"]),
                       [r.race_id.tolist(), r.as_of, [m for m, _ in batch.models],
                        r.race_date, first, last])[0]
    return not (got["conflict"] or got["triggers"])


def write(plpy: Any, batch: SignalBatch, gates: list[GateResult],
          check_once: bool = True) -> dict[str, tuple[int, int]]:
    """COPY the batch's signals and the gates' dq_results of batch.run_id (the caller checked
    can_copy). check_once: the foreign keys checked once per call (replica mode) instead of
    per row; a day's call keeps the per-row checks, as changing session_replication_role
    discards every cached plan of the backend. Returns {alias: (rows, races) written}."""
    if not check_once:
        if gates and len(gates[0].race_id) + sum(len(g.race_id) for g in gates[1:]):
            _copy(plpy, "modeling.dq_results", DQ_COLUMNS, dq_fields(batch.run_id, gates))
        if len(batch):
            _copy(plpy, "modeling.signals", SIGNAL_COLUMNS, signal_fields(batch))
        return counts(batch) if len(batch) else {}
    model_ids = sorted({m for m, _ in batch.models})
    found = plpy.execute(prepared(plpy, "bulk_lock_models", LOCK_MODELS_SQL, ["int8[]"]),
                         [model_ids])
    if len(found) != len(model_ids):
        plpy.error(f"score: model(s) {model_ids} not all in modeling.models; nothing written")
    if not plpy.execute(prepared(plpy, "bulk_lock_run", LOCK_RUN_SQL, ["int8"]),
                        [batch.run_id]):
        plpy.error(f"score: run {batch.run_id} is not in modeling.runs; nothing written")
    dq = dq_fields(batch.run_id, gates)
    signals = signal_fields(batch) if len(batch) else []
    role = plpy.execute(prepared(plpy, "bulk_role", ROLE_SQL, ["text"]), ["replica"])[0]["r"]
    if gates and dq[0].null.size:
        _copy(plpy, "modeling.dq_results", DQ_COLUMNS, dq)
    if signals:
        _copy(plpy, "modeling.signals", SIGNAL_COLUMNS, signals)
    plpy.execute(prepared(plpy, "bulk_role", ROLE_SQL, ["text"]), [role])
    return counts(batch) if len(batch) else {}
