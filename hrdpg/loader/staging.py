"""Stream a CSV (or Parquet) file into a TEMP staging table of text columns with COPY.

Every data line is sent with its physical line number as an extra first field, so rejects
point at the line a person opens in an editor. The price is that a quoted field may not span
lines; such a file is refused with the line number rather than silently mis-numbered.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import psycopg
from psycopg import sql
from rich.progress import Progress, TaskID

from hrdpg.errors import HrdpgError
from hrdpg.loader.spec import TableSpec

STAGE = "_hrdpg_stage"
ORIGIN = "_hrdpg_origin"
# (original file, line) of each data line of a converter's output, in file order.
Origin = tuple[str, int]


def read_header(stream: BinaryIO, path: Path, spec: TableSpec) -> list[str]:
    """Column names from the first line, checked against the table's columns."""
    first = stream.readline().decode("utf-8-sig")
    header = [h.strip() for h in next(csv.reader([first]), [])]
    if not header or header == [""]:
        raise HrdpgError(f"{path}: empty file; the first line must name the columns")
    unknown = [h for h in header if h not in spec.names]
    if unknown:
        raise HrdpgError(
            f"{path}: unknown column(s) {', '.join(unknown)} for {spec.name}; allowed: "
            f"{', '.join(spec.names)} (see docs/data-contract.md)")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise HrdpgError(f"{path}: column(s) named twice: {', '.join(repeated)}")
    missing = [c.name for c in spec.columns if c.required and c.name not in header]
    if missing:
        raise HrdpgError(f"{path}: required column(s) missing for {spec.name}: "
                         f"{', '.join(missing)}; add them to the header")
    return header


def create_stage(conn: psycopg.Connection, header: list[str]) -> None:
    cols = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(h)) for h in header)
    conn.execute(sql.SQL(
        "CREATE TEMP TABLE {} (line_no bigint NOT NULL, {}, reason text) ON COMMIT DROP"
    ).format(sql.Identifier(STAGE), cols))


def stage_origin(conn: psycopg.Connection, origin: Sequence[Origin] | None) -> None:
    """The original file and line of each data line (the file's line 2 is origin[0]); empty
    when the loaded file is itself the original."""
    conn.execute(sql.SQL(
        "CREATE TEMP TABLE {} (line_no bigint PRIMARY KEY, file_name text NOT NULL,"
        " file_line bigint NOT NULL) ON COMMIT DROP").format(sql.Identifier(ORIGIN)))
    if not origin:
        return
    with conn.cursor() as cur, cur.copy(sql.SQL("COPY {} FROM STDIN").format(
            sql.Identifier(ORIGIN))) as copy:
        for i, (name, line) in enumerate(origin):
            copy.write_row((i + 2, name, line))


def _chunks(stream: BinaryIO, path: Path, chunk_rows: int, skipped: list[int],
            sent: list[int]) -> Iterator[tuple[bytes, int]]:
    """Numbered data lines in chunks of ``chunk_rows``, with the bytes of file they cover."""
    buf: list[bytes] = []
    consumed = 0
    for line_no, line in enumerate(stream, start=2):
        consumed += len(line)
        body = line.rstrip(b"\r\n")
        if not body.strip():
            skipped.append(line_no)
            continue
        if body.count(b'"') % 2:
            raise HrdpgError(f"{path} line {line_no}: unbalanced quote (a field may not span "
                             "lines); fix the quoting of that line")
        buf.append(b"%d," % line_no + body + b"\n")
        sent.append(line_no)
        if len(buf) >= chunk_rows:
            yield b"".join(buf), consumed
            buf, consumed = [], 0
    if buf or consumed:
        yield b"".join(buf), consumed


def copy_into_stage(conn: psycopg.Connection, stream: BinaryIO, path: Path, header: list[str],
                    chunk_rows: int, progress: Progress | None, task: TaskID | None) -> int:
    """COPY the rest of ``stream`` into the stage; returns the number of data rows."""
    cols = sql.SQL(", ").join(sql.Identifier(h) for h in ["line_no", *header])
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(sql.Identifier(STAGE), cols)
    skipped: list[int] = []
    sent: list[int] = []  # file line number of each line of the COPY stream
    rows = 0
    try:
        with conn.cursor() as cur, cur.copy(stmt) as copy:
            for data, nbytes in _chunks(stream, path, chunk_rows, skipped, sent):
                copy.write(data)
                rows += data.count(b"\n")
                if progress is not None and task is not None:
                    progress.advance(task, nbytes)
    except psycopg.errors.DataError as exc:
        raise _malformed(exc, path, header, sent) from exc
    return rows


def _malformed(exc: psycopg.errors.DataError, path: Path, header: list[str],
               sent: list[int]) -> HrdpgError:
    """The COPY error told in the file's terms: its CONTEXT counts lines of the COPY stream
    (blank lines skipped), so map that back to the line a person opens in an editor."""
    match = re.search(r"COPY \S+, line (\d+)", exc.diag.context or "")
    stream_line = int(match.group(1)) if match else 0
    where = (f" line {sent[stream_line - 1]}" if 0 < stream_line <= len(sent) else "")
    if isinstance(exc, (psycopg.errors.CharacterNotInRepertoire,
                        psycopg.errors.UntranslatableCharacter)):
        advice = ("The file must be UTF-8 text without NUL bytes: re-save it as UTF-8 "
                  "(e.g. `iconv -f latin1 -t utf-8`).")
    else:
        advice = f"Every line needs exactly {len(header)} fields, like the header."
    return HrdpgError(f"{path}{where}: malformed CSV ({exc.diag.message_primary}). {advice}")


def parquet_as_csv(path: Path) -> BinaryIO:
    """A Parquet file rendered as CSV bytes (needs the optional pyarrow)."""
    try:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise HrdpgError(
            f"{path}: reading Parquet needs pyarrow, which is not installed. Next: "
            "`.venv/bin/pip install 'hrdpg[parquet]'`, or convert the file to CSV.") from exc
    out = io.BytesIO()
    pacsv.write_csv(pq.read_table(path), out)
    out.seek(0)
    return out
