"""PostgreSQL binary COPY streams built from numpy columns: the bulk-load format, without a
Python object per value.

A stream is the 19-byte header, then per row an int16 field count and per field an int32
length (-1 = NULL, no bytes) and the value in the type's binary send format, then an int16 -1.
Rows are assembled a block at a time: every field gets a fixed slot in a [rows, width] byte
matrix (its length, then its widest value in the block), filled by whole-column copies, and a
mask of the bytes each row really uses squeezes the slots into the stream. Used by the
backfill's publish (COPY FROM a file the backend writes) and by the external benchmark path
(COPY FROM STDIN).
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
# Rows per block, and the most bytes a block's matrix may take: a few MB, cache-sized work.
BLOCK_ROWS = 16384
BLOCK_BYTES = 1 << 23


@dataclass(frozen=True)
class Field:
    """One column of a stream: per row its bytes, NULL where null is True.

    Dense: data is [rows, width] uint8, of which a row uses its first sizes[row] bytes (a
    fixed-width type uses them all). Loose: blob holds the non-NULL rows' bytes back to back in
    row order and sizes[row] is each row's share (0 for NULL), for long values of any length."""

    null: npt.NDArray[np.bool_]
    data: U8 | None = None
    sizes: npt.NDArray[np.int64] | None = None
    blob: U8 | None = None

    def __len__(self) -> int:
        return int(self.null.size)

    def payload(self) -> npt.NDArray[np.int64]:
        """Payload bytes per row (0 for NULL)."""
        if self.data is None:
            assert self.sizes is not None
            return np.where(self.null, 0, self.sizes)
        full = np.full(len(self), self.data.shape[1], dtype=np.int64)
        return np.where(self.null, 0, full if self.sizes is None else self.sizes)

    @property
    def varies(self) -> bool:
        """Do rows use different numbers of bytes (NULLs, or values of several lengths)?"""
        return self.data is None or self.sizes is not None or bool(self.null.any())


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
    null = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    texts = [v for v in values if v is not None]
    # One join and one encode for the whole column: prefixing every text with the version
    # byte is joining them with it.
    joined = "\x01" + "\x01".join(texts) if texts else ""
    raw = joined.encode()
    if len(raw) == len(joined):  # ASCII: a text's bytes are its characters
        each = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    else:
        each = np.fromiter((len(t.encode()) for t in texts), dtype=np.int64, count=len(texts))
    sizes = np.zeros(len(values), dtype=np.int64)
    sizes[~null] = each + 1
    return Field(null, sizes=sizes, blob=np.frombuffer(raw, dtype=np.uint8))


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
    """The whole stream (header, rows, trailer) for fields of equal length."""
    n = len(fields[0]) if fields else 0
    if any(len(f) != n for f in fields):
        raise ValueError("copy_binary: every field needs one value per row")
    cols = _Columns(fields)
    out = [HEADER]
    for lo in range(0, n, BLOCK_ROWS):
        cols.rows(lo, min(n, lo + BLOCK_ROWS), out)
    out.append(TRAILER)
    return b"".join(out)


class _Columns:
    """The fields' per-row lengths and loose offsets, computed once for every block."""

    def __init__(self, fields: Sequence[Field]) -> None:
        self.fields = fields
        self.sizes = [f.payload() for f in fields]
        self.lengths = [np.where(f.null, -1, s).astype(">i4").view(np.uint8).reshape(-1, 4)
                        for f, s in zip(fields, self.sizes, strict=True)]
        self.starts = [None if f.data is not None else np.concatenate(([0], np.cumsum(s)))
                       for f, s in zip(fields, self.sizes, strict=True)]
        self.varies = [f.varies for f in fields]
        self.count = np.array([len(fields)], dtype=">i2").view(np.uint8)

    def rows(self, lo: int, hi: int, out: list[bytes]) -> None:
        """Append rows lo..hi-1 to out; a block whose matrix would pass BLOCK_BYTES (a long
        loose value) is halved, down to single rows."""
        widths = [f.data.shape[1] if f.data is not None else int(s[lo:hi].max(initial=0))
                  for f, s in zip(self.fields, self.sizes, strict=True)]
        width = 2 + sum(4 + w for w in widths)
        if (hi - lo) * width > BLOCK_BYTES and hi - lo > 1:
            mid = (lo + hi) // 2
            self.rows(lo, mid, out)
            self.rows(mid, hi, out)
            return
        mat = np.empty((hi - lo, width), dtype=np.uint8)
        keep = np.ones((hi - lo, width), dtype=bool)
        mat[:, :2] = self.count
        at = 2
        for f, size, length, start, varies, w in zip(self.fields, self.sizes, self.lengths,
                                                     self.starts, self.varies, widths,
                                                     strict=True):
            mat[:, at:at + 4] = length[lo:hi]
            slot = slice(at + 4, at + 4 + w)
            used = np.arange(w, dtype=np.int32) < size[lo:hi, None] if varies else None
            if f.data is not None:
                mat[:, slot] = f.data[lo:hi]
            else:  # a boolean-mask assignment fills in row order: each row gets its bytes
                assert f.blob is not None and start is not None and used is not None
                mat[:, slot][used] = f.blob[start[lo]:start[hi]]
            if used is not None:
                keep[:, slot] = used
            at += 4 + w
        out.append(mat[keep].tobytes())
