"""PostgreSQL binary COPY streams built from numpy columns: the bulk-load format, without a
Python object per value.

A stream is the 19-byte header, then per row an int16 field count and per field an int32
length (-1 = NULL, no bytes) and the value in the type's binary send format, then an int16 -1.
Rows are assembled for all rows at once: field lengths give every field's offset, and each
column's bytes are scattered into one buffer. Used by the backfill's publish (COPY FROM a file
the backend writes) and by the external benchmark path (COPY FROM STDIN).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
PG_EPOCH_DAYS = 10957  # 2000-01-01 - 1970-01-01
PG_EPOCH_US = PG_EPOCH_DAYS * 86_400 * 1_000_000
TEXT_OID = 25
U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Field:
    """One column of a stream: per row its bytes, NULL where null is True.

    Dense: data is [rows, width] uint8, of which a row uses its first sizes[row] bytes (a
    fixed-width type uses them all). Loose: parts holds each row's bytes (None = NULL), for
    long values of any length; loose fields come after the dense ones in a stream."""

    null: npt.NDArray[np.bool_]
    data: U8 | None = None
    sizes: npt.NDArray[np.int64] | None = None
    parts: list[bytes | None] | None = None

    def __len__(self) -> int:
        return int(self.null.size)

    def payload(self) -> npt.NDArray[np.int64]:
        """Payload bytes per row (0 for NULL)."""
        assert self.data is not None
        full = np.full(len(self), self.data.shape[1], dtype=np.int64)
        return np.where(self.null, 0, full if self.sizes is None else self.sizes)


def _fixed(values: npt.ArrayLike, dtype: str, null: npt.ArrayLike | None) -> Field:
    arr = np.ascontiguousarray(np.asarray(values).astype(dtype))
    mask = np.zeros(arr.size, dtype=bool) if null is None else np.asarray(null, dtype=bool)
    return Field(mask, data=arr.view(np.uint8).reshape(arr.size, arr.dtype.itemsize))


def int2(values: npt.ArrayLike, null: npt.ArrayLike | None = None) -> Field:
    return _fixed(values, ">i2", null)


def int4(values: npt.ArrayLike, null: npt.ArrayLike | None = None) -> Field:
    return _fixed(values, ">i4", null)


def int8(values: npt.ArrayLike, null: npt.ArrayLike | None = None) -> Field:
    return _fixed(values, ">i8", null)


def float8(values: npt.ArrayLike) -> Field:
    """NaN is NULL (the scorer's convention for a missing number)."""
    arr = np.asarray(values, dtype=np.float64)
    return _fixed(np.where(np.isnan(arr), 0.0, arr), ">f8", np.isnan(arr))


def boolean(values: npt.ArrayLike, null: npt.ArrayLike | None = None) -> Field:
    return _fixed(np.asarray(values, dtype=bool), "u1", null)


def timestamptz_us(unix_us: npt.ArrayLike, null: npt.ArrayLike | None = None) -> Field:
    """From integer microseconds since 1970-01-01 UTC (exact)."""
    return _fixed(np.asarray(unix_us, dtype=np.int64) - PG_EPOCH_US, ">i8", null)


def date_days(unix_days: npt.ArrayLike) -> Field:
    """From days since 1970-01-01."""
    return _fixed(np.asarray(unix_days, dtype=np.int64) - PG_EPOCH_DAYS, ">i4", None)


def _categorical(keys: Sequence[Hashable | None],
                 encode_one: Callable[[Any], bytes]) -> Field:
    """A dense field of values drawn from a few distinct ones: each distinct value is encoded
    once and rows pick theirs."""
    codes: dict[Hashable, int] = {}
    row_code = np.fromiter((-1 if k is None else codes.setdefault(k, len(codes)) for k in keys),
                           dtype=np.int64, count=len(keys))
    encoded = [encode_one(k) for k in codes]
    width = max((len(b) for b in encoded), default=0)
    table = np.zeros((len(encoded) + 1, width), dtype=np.uint8)
    for i, b in enumerate(encoded):
        table[i, :len(b)] = np.frombuffer(b, dtype=np.uint8)
    lengths = np.array([len(b) for b in encoded] + [0], dtype=np.int64)
    return Field(row_code < 0, data=table[row_code], sizes=lengths[row_code])


def text(values: Sequence[str | None]) -> Field:
    """Text drawn from a few distinct values (names, sources, versions)."""
    return _categorical(values, lambda v: str(v).encode())


def jsonb(values: Sequence[str | None]) -> Field:
    """Loose, from JSON texts: jsonb's binary format is a version byte (1) and the text."""
    return Field(np.fromiter((v is None for v in values), dtype=bool, count=len(values)),
                 parts=[None if v is None else b"\x01" + v.encode() for v in values])


def _text_array_bytes(items: tuple[str, ...]) -> bytes:
    raw = [s.encode() for s in items]
    head = np.array([1, 0, TEXT_OID, len(raw), 1] if raw else [0, 0, TEXT_OID],
                    dtype=">i4").tobytes()
    return head + b"".join(len(b).to_bytes(4, "big") + b for b in raw)


def text_array(values: Sequence[Sequence[str] | None]) -> Field:
    """One-dimensional text[] per row (no NULL elements), drawn from a few distinct ones."""
    return _categorical([None if v is None else tuple(v) for v in values],
                        _text_array_bytes)


def _numeric_bytes(value: decimal.Decimal, scale: int) -> bytes:
    """numeric_send of a finite decimal already rounded to scale digits."""
    sign = 0x4000 if value < 0 else 0
    whole, _, frac = format(abs(value), f".{scale}f").partition(".")
    whole = whole.lstrip("0")
    frac = frac + "0" * (-len(frac) % 4)
    whole = "0" * (-len(whole) % 4) + whole
    groups = [int(whole[i:i + 4]) for i in range(0, len(whole), 4)]
    weight = len(groups) - 1
    groups += [int(frac[i:i + 4]) for i in range(0, len(frac), 4)]
    while groups and groups[0] == 0:  # leading zero groups move the weight
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    head = np.array([len(groups), weight, sign, scale], dtype=">i2").tobytes()
    return head + np.array(groups, dtype=">i2").tobytes()


def numeric(values: npt.ArrayLike, scale: int) -> Field:
    """numeric(p, scale) from float8 as the SQL cast float8::numeric(p, scale) makes it: the
    value's 15 significant digits, rounded half away from zero to scale digits. NaN is NULL."""
    quantum = decimal.Decimal(1).scaleb(-scale)

    def one(v: float) -> bytes:
        d = decimal.Decimal(format(v, ".15g")).quantize(quantum, rounding=decimal.ROUND_HALF_UP)
        return _numeric_bytes(d, scale)

    return _categorical([None if v != v else v
                         for v in np.asarray(values, dtype=np.float64).tolist()], one)


def encode(fields: Sequence[Field]) -> bytes:
    """The whole stream (header, rows, trailer) for fields of equal length, dense first."""
    n = len(fields[0]) if fields else 0
    if any(len(f) != n for f in fields):
        raise ValueError("copy_binary: every field needs one value per row")
    dense = [f for f in fields if f.data is not None]
    loose = [f for f in fields if f.data is None]
    if any(f.data is None for f in fields[:len(dense)]):
        raise ValueError("copy_binary: loose fields must come after the dense ones")
    # Dense part of every row in one [rows, width] matrix: the field count, then per field
    # its length and bytes at the offset the earlier fields' sizes give.
    width = 2 + sum(4 + (f.data.shape[1] if f.data is not None else 0) for f in dense)
    mat = np.zeros(n * width, dtype=np.uint8)
    count = np.array([len(fields)], dtype=">i2").view(np.uint8)
    row0 = np.arange(n, dtype=np.int64) * width
    mat[row0], mat[row0 + 1] = count[0], count[1]
    at = row0 + 2
    for f in dense:
        assert f.data is not None
        size = f.payload()
        length = np.where(f.null, -1, size).astype(">i4").view(np.uint8).reshape(n, 4)
        for b in range(4):
            mat[at + b] = length[:, b]
        for b in range(f.data.shape[1]):  # bytes past a row's size are overwritten or cut
            mat[at + 4 + b] = f.data[:, b]
        at = at + 4 + size
    used = (at - row0).tolist()
    flat = mat.tobytes()
    out = [HEADER]
    if not loose:
        out += [flat[i * width:i * width + u] for i, u in enumerate(used)]
    else:
        tails = [[b"\xff\xff\xff\xff" if p is None else len(p).to_bytes(4, "big") + p
                  for p in (f.parts or [])] for f in loose]
        for i, u in enumerate(used):
            out.append(flat[i * width:i * width + u])
            out.extend(t[i] for t in tails)
    out.append(TRAILER)
    return b"".join(out)
