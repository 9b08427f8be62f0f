"""`load_file`: one file, one transaction, one modeling.runs row.

The run row is committed first, on its own, so a load that fails or is rolled back (``strict``)
still leaves a 'failed' run behind; rows and rejects of the file commit together or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb
from rich.progress import Progress

from hrdpg.errors import HrdpgError
from hrdpg.loader import staging
from hrdpg.loader.report import LoadReport
from hrdpg.loader.spec import TABLES
from hrdpg.loader.upsert import count_stage, record_nulled, record_rejects, upsert
from hrdpg.loader.validate import null_bad_fields, validate

DEFAULT_CHUNK_ROWS = 10_000


class _StrictRollback(Exception):
    """Raised inside the file's transaction to undo it when strict and rows were rejected."""


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)


def _open(path: Path, stack: ExitStack) -> BinaryIO:
    if path.suffix.lower() in (".parquet", ".pq"):
        return stack.enter_context(staging.parquet_as_csv(path))
    try:
        return stack.enter_context(path.open("rb"))
    except OSError as exc:
        raise HrdpgError(f"cannot read {path}: {exc.strerror}") from exc


def _start_run(conn: psycopg.Connection, params: dict[str, object]) -> int:
    with conn.transaction():
        row = conn.execute("INSERT INTO modeling.runs (kind, params) VALUES ('load', %s) "
                           "RETURNING run_id", (Jsonb(params),)).fetchone()
    assert row is not None
    return int(row[0])


def _finish_run(conn: psycopg.Connection, report: LoadReport) -> None:
    counts = {"inserted": report.inserted, "updated": report.updated,
              "unchanged": report.unchanged, "rejected": report.rejected,
              "committed": report.committed,
              "reasons": {r.reason: r.count for r in report.reasons},
              "nulled": {r.reason: r.count for r in report.nulled}}
    with conn.transaction():
        conn.execute(
            "UPDATE modeling.runs SET status = %s, rows_in = %s, rows_out = %s, "
            "params = params || %s, timings_ms = %s, error = %s, finished_at = clock_timestamp() "
            "WHERE run_id = %s",
            ("ok" if report.ok else "failed", report.rows_in,
             report.inserted + report.updated + report.unchanged if report.committed else 0,
             Jsonb(counts), Jsonb(report.timings_ms), report.error, report.load_id))


def load_file(conn: psycopg.Connection, table: str, path: Path | str, *, strict: bool = False,
              chunk_rows: int = DEFAULT_CHUNK_ROWS, progress: Progress | None = None,
              display_name: str | None = None,
              origin: Sequence[staging.Origin] | None = None) -> LoadReport:
    """Load one CSV/Parquet file into racing.<table> and return what happened.

    ``conn`` must have no open transaction: the file commits (or rolls back) on its own.
    Row-level problems become rejects in the report; file-level problems (unreadable file,
    bad header, malformed CSV) end as a failed report whose ``error`` says what to fix.
    ``origin``: for a converter's output, the original (file, line) of each data line, so
    rejects and nulled fields name the line a person opens (modeling.load_rejects.source_*).
    """
    if table not in TABLES:
        raise HrdpgError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise HrdpgError("load_file commits per file: commit or roll back the open "
                         "transaction on this connection first")
    if chunk_rows < 1:
        raise HrdpgError("--chunk-rows must be at least 1")
    spec = TABLES[table]
    path = Path(path)
    name = display_name or str(path)
    report = LoadReport(file=name, table=table, strict=strict)
    report.load_id = _start_run(conn, {"file": name, "table": table, "strict": strict})
    started = time.perf_counter()
    task = None
    if progress is not None:
        total = path.stat().st_size if path.exists() else None
        task = progress.add_task(f"{path.name} -> {table}", total=total)
    try:
        with ExitStack() as stack, conn.transaction():
            stream = _open(path, stack)
            header = staging.read_header(stream, path, spec)
            staging.create_stage(conn, header)
            staging.stage_origin(conn, origin)
            t = time.perf_counter()
            staging.copy_into_stage(conn, stream, path, header, chunk_rows, progress, task)
            report.timings_ms["copy"] = _ms(t)
            t = time.perf_counter()
            if not strict:  # strict refuses the file for any bad value, so nothing is nulled
                null_bad_fields(conn, spec, header)
            validate(conn, spec, header)
            report.rows_in, report.rejected = count_stage(conn)
            report.timings_ms["validate"] = _ms(t)
            t = time.perf_counter()
            report.reasons = record_rejects(conn, report.load_id, name, table)
            if not strict:
                report.nulled = record_nulled(conn, report.load_id, name, table)
            report.inserted, report.updated = upsert(conn, spec, header)
            report.unchanged = report.rows_in - report.rejected - report.inserted - report.updated
            report.timings_ms["upsert"] = _ms(t)
            if strict and report.rejected:
                raise _StrictRollback
        report.committed = True
    except _StrictRollback:
        report.inserted = report.updated = report.unchanged = 0
        report.error = (f"--strict: {report.rejected} row(s) rejected, nothing from this file "
                        "was loaded. Next: fix the lines listed, or load without --strict to "
                        "keep the good rows.")
    except (HrdpgError, psycopg.Error) as exc:
        report.inserted = report.updated = report.unchanged = 0
        report.error = str(exc).strip()
    finally:
        report.timings_ms["total"] = _ms(started)
        if conn.info.transaction_status == TransactionStatus.IDLE:
            _finish_run(conn, report)
    return report


def load_contract_files(conn: psycopg.Connection, directory: Path, label: str, *,
                        strict: bool = False, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                        progress: Progress | None = None,
                        origins: Mapping[str, Sequence[staging.Origin]] | None = None
                        ) -> list[LoadReport]:
    """Load a converter's races.csv, runners.csv and odds.csv from directory, in that order,
    reported as ``label:races.csv`` etc.; stops after a file that did not commit (the later
    ones would only be rejected for the missing races or runners). ``origins``: per table,
    the original (file, line) of each data line (see load_file)."""
    reports: list[LoadReport] = []
    for table in ("races", "runners", "odds"):
        report = load_file(conn, table, directory / f"{table}.csv", strict=strict,
                           chunk_rows=chunk_rows, progress=progress,
                           display_name=f"{label}:{table}.csv",
                           origin=(origins or {}).get(table))
        reports.append(report)
        if not report.ok:
            break
    return reports

