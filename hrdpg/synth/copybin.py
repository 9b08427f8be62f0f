"""Binary COPY payload for racing.odds, built with numpy structured arrays.

Odds are ~6 rows per runner, so they dominate a load. Within a group of rows sharing source and
NULL pattern every binary row has the same length, so a whole group is one structured array
filled column-wise and dumped with tobytes(): no per-row Python and no server-side text parsing.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from hrdpg.synth.market import SOURCES

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 in Unix microseconds
KINDS = ("bookmaker", "bookmaker", "exchange")
ODDS_COLUMNS = ("race_id, horse_id, observed_at, source, source_kind, decimal_odds, ew_places, "
                "ew_fraction, volume")


def _numeric(frac: float) -> bytes:
    """Binary numeric of 0.25 / 0.2 style fractions: one base-10000 digit, weight -1."""
    digit = round(frac * 10000)
    dscale = len(f"{frac:g}".split(".")[1]) if "." in f"{frac:g}" else 0
    return struct.pack(">hhhhh", 1, -1, 0, dscale, digit)


def _group(o: dict[str, npt.NDArray[Any]], rows: npt.NDArray[np.int64], src: int, places: int,
           frac: float, has_volume: bool) -> bytes:
    spec: list[tuple[str, str, object]] = [("n", ">i2", 9)]
    cols: list[tuple[str, str, object]] = []
    for name in ("race_id", "horse_id"):
        cols.append((name, ">i8", o[name][rows]))
    us = o["observed_at"][rows].astype("datetime64[us]").astype(np.int64) - PG_EPOCH_US
    cols.append(("observed_at", ">i8", us))
    for i, word in enumerate((SOURCES[src], KINDS[src])):
        cols.append((f"t{i}", f"S{len(word)}", word.encode()))
    cols.append(("decimal_odds", ">f8", o["decimal_odds"][rows]))
    if places:
        cols.append(("ew_places", ">i2", places))
        num = _numeric(frac)
        cols.append(("ew_fraction", f"S{len(num)}", num))
    else:
        cols += [("ew_places", "", None), ("ew_fraction", "", None)]
    cols.append(("volume", ">f8", o["volume"][rows]) if has_volume else ("volume", "", None))
    for name, fmt, val in cols:
        size = np.dtype(fmt).itemsize if fmt else -1  # -1 length = NULL, no payload
        spec.append((f"len_{name}", ">i4", size))
        if fmt:
            spec.append((name, fmt, val))
    arr = np.empty(rows.size, dtype=[(name, fmt) for name, fmt, _ in spec])
    for name, _, val in spec:
        arr[name] = val
    return arr.tobytes()


def odds_binary_chunks(o: dict[str, npt.NDArray[Any]], chunk_rows: int = 200_000,
                       progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """Yield the complete binary COPY stream (header, row groups, trailer) in pieces."""
    yield HEADER
    frac_code = np.where(np.isnan(o["ew_fraction"]), 0, np.rint(o["ew_fraction"] * 100))
    has_vol = ~np.isnan(o["volume"])
    key = (o["source"].astype(np.int64) * 1000 + o["ew_places"].astype(np.int64) * 100
           + frac_code.astype(np.int64)) * 2 + has_vol
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    done = 0
    for grp in np.split(order, bounds):
        k = int(key[grp[0]])
        vol, k = bool(k % 2), k // 2
        src, places, frac = k // 1000, (k % 1000) // 100, (k % 100) / 100
        for lo in range(0, grp.size, chunk_rows):
            rows = grp[lo:lo + chunk_rows]
            yield _group(o, rows, src, places, frac, vol)
            done += rows.size
            if progress:
                progress(done)
    yield TRAILER
