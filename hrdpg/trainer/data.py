"""Read a training window from modeling.runner_features in one binary COPY.

Every column is cast to float8 or int8 and NULL becomes NaN, so each binary COPY tuple has the
same width (2-byte field count, then a 4-byte length + 8 bytes per field) and numpy parses the
whole buffer with one structured dtype instead of Python touching each row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg import sql

from hrdpg.errors import HrdpgError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
COPY_HEADER = 19  # PGCOPY\n\377\r\n\0 + flags + extension length
MARKET_PRICE = "mkt_latest_prob"
Progress = Callable[[int, int], None]  # (bytes done, bytes expected)


@dataclass
class Window:
    """Rows of one date window, sorted by off time then race: a race's runners are contiguous."""

    race_id: I64
    horse_id: I64
    day: I64  # days since 1970-01-01
    won: F64
    market: F64  # mkt_latest_prob (NaN where unpriced), for the blend and the market benchmark
    x: F64  # [rows, features]
    feature_names: list[str]

    @property
    def n_rows(self) -> int:
        return int(self.race_id.size)

    @property
    def n_races(self) -> int:
        return int(np.unique(self.race_id).size)

    def take(self, mask: npt.NDArray[np.bool_]) -> Window:
        return Window(self.race_id[mask], self.horse_id[mask], self.day[mask], self.won[mask],
                      self.market[mask], self.x[mask], self.feature_names)

    def select(self, names: list[str]) -> Window:
        """The same rows with only the named feature columns, in that order."""
        cols = [self.feature_names.index(n) for n in names]
        return Window(self.race_id, self.horse_id, self.day, self.won, self.market,
                      np.ascontiguousarray(self.x[:, cols]), list(names))

    def data_hash(self) -> str:
        digest = hashlib.sha256()
        for part in (self.race_id, self.horse_id, self.won, self.x):
            digest.update(np.ascontiguousarray(part).tobytes())
        digest.update(",".join(self.feature_names).encode())
        return digest.hexdigest()


def feature_list(conn: psycopg.Connection, with_market: bool,
                 only: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[str]:
    """The catalogue's features in catalogue order: all (market group only with_market), or
    just ``only``; minus ``exclude``. A name the catalogue does not have is an error."""
    rows = conn.execute("SELECT name, feature_group FROM modeling.feature_catalog "
                        "ORDER BY position").fetchall()
    catalog = [str(r[0]) for r in rows]
    unknown = sorted(set(only) - set(catalog)) + sorted(set(exclude) - set(catalog))
    if unknown:
        raise HrdpgError(f"unknown feature(s): {', '.join(unknown)}; "
                         "see `hrdpg features catalog`")
    chosen = ([n for n in catalog if n in set(only)] if only else
              [str(n) for n, g in rows if g != "market" or with_market])
    chosen = [n for n in chosen if n not in set(exclude)]
    if not chosen:
        raise HrdpgError("no features left to train on; check --features / --exclude")
    return chosen


def _query(features: list[str], date_from: dt.date, date_to: dt.date) -> sql.Composed:
    cols = [sql.SQL("coalesce(f.{}::float8, 'NaN')").format(sql.Identifier(n)) for n in features]
    return sql.SQL(
        "COPY (SELECT f.race_id::int8, f.horse_id::int8, (f.race_date - date '1970-01-01')::int8,"
        " coalesce(r.finish_pos = 1, false)::int::float8,"
        " coalesce(f.{market}::float8, 'NaN'), {cols}"
        " FROM modeling.runner_features f"
        " JOIN modeling.src_runners r ON r.race_id = f.race_id AND r.horse_id = f.horse_id"
        " WHERE f.race_date BETWEEN {lo} AND {hi}"
        " ORDER BY f.off_time, f.race_id, f.horse_id) TO STDOUT (FORMAT binary)"
    ).format(market=sql.Identifier(MARKET_PRICE), cols=sql.SQL(", ").join(cols),
             lo=sql.Literal(date_from), hi=sql.Literal(date_to))


def _dtype(n_int: int, n_float: int) -> np.dtype[np.void]:
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for i in range(n_int):
        fields += [(f"l{i}", ">i4"), (f"i{i}", ">i8")]
    for j in range(n_float):
        fields += [(f"m{j}", ">i4"), (f"f{j}", ">f8")]
    return np.dtype(fields)


def read_window(
    conn: psycopg.Connection, features: list[str], date_from: dt.date, date_to: dt.date,
    progress: Progress | None = None,
) -> Window:
    n_int, n_float = 3, 2 + len(features)
    dtype = _dtype(n_int, n_float)
    row = conn.execute("SELECT count(*) FROM modeling.feature_store "
                       "WHERE race_date BETWEEN %s AND %s", (date_from, date_to)).fetchone()
    expected = int(row[0]) * dtype.itemsize if row else 0
    buf = bytearray()
    with conn.cursor().copy(_query(features, date_from, date_to)) as copy:
        for chunk in copy:
            buf += chunk
            if progress:
                progress(len(buf), max(expected, len(buf)))
    body = memoryview(buf)[COPY_HEADER:len(buf) - 2] if len(buf) > COPY_HEADER else b""
    if len(body) % dtype.itemsize:
        raise HrdpgError("unexpected binary COPY layout (a NULL slipped through?)")
    rec = np.frombuffer(body, dtype=dtype)
    if rec.size and (np.any(rec["n"] != n_int + n_float)):
        raise HrdpgError("unexpected field count in binary COPY")
    ints = [rec[f"i{i}"].astype(np.int64) for i in range(n_int)]
    floats = np.empty((rec.size, n_float), dtype=np.float64)
    for j in range(n_float):
        floats[:, j] = rec[f"f{j}"]
    return Window(race_id=ints[0], horse_id=ints[1], day=ints[2], won=floats[:, 0].copy(),
                  market=floats[:, 1].copy(), x=np.ascontiguousarray(floats[:, 2:]),
                  feature_names=list(features))
