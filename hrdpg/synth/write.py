"""Load a World into racing.* and synth.runner_truth with bulk text COPY.

Rows are formatted column-wise in bulk (one str() pass per column), joined per ~100k-row chunk
and sent with copy.write: per-row write_row calls are several times slower at millions of rows.
The odds (~6 rows a runner) go as binary COPY built with numpy (see copybin.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import psycopg

from hrdpg.synth.config import SEXES, STATUSES
from hrdpg.synth.copybin import ODDS_COLUMNS, odds_binary_chunks
from hrdpg.synth.names import horse_name, person_name
from hrdpg.synth.world import World

AnyArr = npt.NDArray[Any]
Progress = Callable[[str, int, int], None]
Fmt = Callable[[slice], list[str]]
NULL = "\\N"
CHUNK = 100_000
TRUTH_DDL = """
CREATE SCHEMA IF NOT EXISTS synth;
CREATE TABLE IF NOT EXISTS synth.runner_truth (
    race_id      bigint NOT NULL,
    horse_id     bigint NOT NULL,
    true_p_win   double precision NOT NULL,
    true_p_place double precision,
    ew_places    smallint,
    mean_perf    double precision NOT NULL,
    PRIMARY KEY (race_id, horse_id)
);
COMMENT ON TABLE synth.runner_truth IS
    'Known generative truth of the synthetic world (hrdpg.synth); for tests only - '
    'the engine never reads it.';
"""


def _strs(a: AnyArr, null: AnyArr | None, fmt: str | None
          ) -> list[str]:
    vals = a.tolist()
    out = list(map(fmt.format, vals)) if fmt else list(map(str, vals))
    if null is not None and null.any():
        obj = np.array(out, dtype=object)
        obj[null] = NULL
        return list(obj)
    return out


def _int(a: AnyArr, null_below: int | None = None) -> Fmt:
    return lambda s: _strs(a[s], None if null_below is None else a[s] < null_below, None)


def _float(a: AnyArr, fmt: str | None = None) -> Fmt:
    return lambda s: _strs(np.nan_to_num(a[s]), np.isnan(a[s]), fmt)


def _bool(a: AnyArr) -> Fmt:
    return lambda s: list(np.where(a[s], "t", "f").astype(object))


def _lookup(codes: AnyArr, words: Sequence[str]) -> Fmt:
    table = np.array(list(words), dtype=object)
    return lambda s: list(table[codes[s]])


def _text(a: AnyArr) -> Fmt:
    return lambda s: list(a[s])


def _nullable(a: AnyArr) -> Fmt:
    """Text values with None as NULL (the array literals of hrdpg.synth.running)."""
    return lambda s: [NULL if v is None else v for v in a[s].tolist()]


def _named(ids: AnyArr, name: Callable[[int], str]) -> Fmt:
    """Names derived from ids, computed once per distinct id of the chunk."""
    def f(s: slice) -> list[str]:
        distinct, where = np.unique(ids[s], return_inverse=True)
        table = np.array([name(int(i)) for i in distinct.tolist()], dtype=object)
        return list(table[where])

    return f


def _time(a: AnyArr, unit: Literal["s", "D"] = "s") -> Fmt:
    tz: Literal["UTC", "naive"] = "UTC" if unit == "s" else "naive"

    def f(s: slice) -> list[str]:
        txt = np.datetime_as_string(a[s], unit=unit, timezone=tz)
        return _strs(txt, np.isnat(a[s]), None)

    return f


def _copy(conn: psycopg.Connection[Any], table: str, cols: dict[str, Fmt], n: int,
          progress: Progress | None) -> int:
    name = table.split(".")[-1]
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        for lo in range(0, n, CHUNK):
            s = slice(lo, min(n, lo + CHUNK))
            fields = [f(s) for f in cols.values()]
            cp.write("\n".join(map("\t".join, zip(*fields, strict=True))) + "\n")
            if progress:
                progress(name, s.stop, n)
    return n


def _copy_odds(conn: psycopg.Connection[Any], world: World, progress: Progress | None) -> int:
    n = world.n_odds

    def tick(done: int) -> None:
        if progress:
            progress("odds", done, n)

    sql = f"COPY racing.odds ({ODDS_COLUMNS}) FROM STDIN (FORMAT BINARY)"
    with conn.cursor() as cur, cur.copy(sql) as cp:
        for piece in odds_binary_chunks(world.odds, progress=tick):
            cp.write(piece)
    return n


INDEX_SQL = """
SELECT format('%I.%I', schemaname, indexname), indexdef
FROM pg_indexes i
WHERE schemaname = 'racing' AND tablename IN ('runners', 'odds')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid =
                  format('%I.%I', schemaname, indexname)::regclass)
"""
FK_SQL = """
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
FROM pg_constraint
WHERE (contype = 'f' AND conrelid IN ('racing.runners'::regclass, 'racing.odds'::regclass))
   OR (contype = 'p' AND conrelid = 'racing.odds'::regclass)
ORDER BY contype = 'p'
"""


def write_world(conn: psycopg.Connection[Any], world: World,
                progress: Progress | None = None, fast: bool = True) -> dict[str, int]:
    """COPY the world into racing.races, racing.runners, racing.odds and synth.runner_truth in
    one transaction; returns rows written per table. The racing tables must already exist.

    fast: drop the foreign keys and secondary (non-constraint) indexes of racing.runners /
    racing.odds and the primary key of racing.odds (nothing references it) for the load, and
    re-create them (same definitions; FKs validated by one join, indexes built by one sort) in
    the same transaction: row-by-row FK triggers and random B-tree inserts would otherwise
    dominate the load. Needs table ownership; rebuild time grows with rows already present."""
    ra, ru, tr = world.races, world.runners, world.truth
    races = {
        "race_id": _int(ra["race_id"]), "race_date": _time(ra["race_date"], "D"),
        "off_time": _time(ra["off_time"]), "course": _text(ra["course"]),
        "country": _text(ra["country"]), "surface": _text(ra["surface"]),
        "going": _text(ra["going"]), "distance_m": _int(ra["distance_m"]),
        "race_class": _int(ra["race_class"]), "race_type": _text(ra["race_type"]),
        "handicap": _bool(ra["handicap"]), "prize": _float(ra["prize"], "{:.2f}"),
        "declared_runners": _int(ra["declared_runners"]), "rail": _nullable(ra["rail"]),
    }
    runners = {
        "race_id": _int(ru["race_id"]), "horse_id": _int(ru["horse_id"]),
        "jockey_id": _int(ru["jockey_id"]), "trainer_id": _int(ru["trainer_id"]),
        "draw": _int(ru["draw"]), "age": _int(ru["age"]), "sex": _lookup(ru["sex"], SEXES),
        "weight_kg": _float(ru["weight_kg"], "{:.2f}"),
        "official_rating": _int(ru["official_rating"], 0),
        "speed_figure": _float(ru["speed_figure"], "{:.1f}"),
        "non_runner": _bool(ru["non_runner"]), "withdrawn_at": _time(ru["withdrawn_at"]),
        "rule4_deduction": _float(ru["rule4_deduction"], "{:.2f}"),
        "finish_pos": _int(ru["finish_pos"], 1), "dead_heat": _bool(ru["dead_heat"]),
        "beaten_lengths": _float(ru["beaten_lengths"], "{:.2f}"),
        "status": _lookup(ru["status"], STATUSES),
        "sp_decimal": _float(ru["sp_decimal"], "{:.3f}"),
        "finish_time_s": _float(ru["finish_time_s"], "{:.2f}"),
        "body_weight_kg": _float(ru["body_weight_kg"], "{:.1f}"),
        "gear_first_time": _bool(ru["gear_first_time"]),
        "running_positions": _nullable(ru["running_positions"]),
        "sectional_times": _nullable(ru["sectional_times"]),
        "horse_name": _named(ru["horse_id"], horse_name),
        "jockey_name": _named(ru["jockey_id"], person_name),
        "trainer_name": _named(ru["trainer_id"], lambda i: person_name(i, trainer=True)),
    }
    truth = {
        "race_id": _int(tr["race_id"]), "horse_id": _int(tr["horse_id"]),
        "true_p_win": _float(tr["true_p_win"]), "true_p_place": _float(tr["true_p_place"]),
        "ew_places": _int(tr["ew_places"], 1), "mean_perf": _float(tr["mean_perf"], "{:.4f}"),
    }
    done: dict[str, int] = {}
    with conn.transaction():
        conn.execute(TRUTH_DDL)
        if fast:  # the rebuild sorts millions of keys: keep them in memory
            conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
        fks = conn.execute(FK_SQL).fetchall() if fast else []
        indexes = conn.execute(INDEX_SQL).fetchall() if fast else []
        for table, name, _ in fks:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        done["races"] = _copy(conn, "racing.races", races, world.n_races, progress)
        done["runners"] = _copy(conn, "racing.runners", runners, world.n_runners, progress)
        done["odds"] = _copy_odds(conn, world, progress)
        done["runner_truth"] = _copy(conn, "synth.runner_truth", truth, tr["race_id"].size,
                                     progress)
        for _, definition in indexes:
            conn.execute(definition)
        for table, name, definition in reversed(fks):  # primary key first, then the FKs
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return done
