"""A backfill on several backends at once: the range cut into parts of equal runners
(modeling.backfill_parts), one CALL modeling.score_range per part, each on its own connection.

score_range is one backend and so one core. Its parts are independent: every chunk reads only
the store and the odds as of its own races, locks its own dates and commits on its own, so N
parts on N connections do the same work as one call, in about 1/N of the time where the server
has N idle cores. Each part is its own score_range run row; all of them are pinned to the one
model the alias pointed at when they started (checked, else the backfill is cancelled).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from hrdpg.errors import HrdpgError, server_message

POLL_S = 0.5  # how often progress is read from the parts' run rows


@dataclass(frozen=True)
class Options:
    """score_range's arguments besides the dates (its own defaults)."""

    alias: str = "production"
    as_of: dt.datetime | None = None
    challengers: bool = True
    refresh_features: bool = True
    reasons: bool = True
    chunk_days: int | None = None
    triggered_by: str = "cli"


@dataclass
class Part:
    number: int
    date_from: dt.date
    date_to: dt.date
    runners: int
    pid: int | None = None
    run_id: int | None = None
    error: str | None = None  # the server's message and hint
    seconds: float = 0.0
    conn: psycopg.Connection | None = field(default=None, repr=False)


@dataclass
class Progress:
    """Summed over the parts' run rows."""

    days_done: int
    days_total: int
    runs: dict[int, tuple[int, int | None]]  # backend pid -> (run_id, model_id) of the
    # parts started so far


ProgressFn = Callable[[Progress], None]


def default_jobs(embedded: bool) -> int:
    """This machine's cores when the server is the embedded cluster on it; else 1 (a client
    cannot see how many cores a server by DSN has idle)."""
    return max(1, os.cpu_count() or 1) if embedded else 1


def parts(conn: psycopg.Connection, date_from: dt.date, date_to: dt.date,
          jobs: int) -> list[Part]:
    rows = conn.execute("SELECT part, part_from, part_to, runners "
                        "FROM modeling.backfill_parts(%s, %s, %s)",
                        (date_from, date_to, jobs)).fetchall()
    conn.commit()
    return [Part(int(n), a, b, int(r)) for n, a, b, r in rows]


CALL_SQL = ("CALL modeling.score_range(%s, %s, chunk_days => %s, as_of => %s, alias => %s, "
            "challengers => %s, triggered_by => %s, refresh_features => %s, reasons => %s)")

PROGRESS_SQL = """
SELECT r.backend_pid, r.run_id, r.model_id, (r.params #>> '{progress,days_done}')::int
  FROM modeling.runs r
 WHERE r.kind = 'score_range' AND r.backend_pid = ANY (%s) AND r.started_at >= %s
"""


def _score_part(conninfo: str, part: Part, options: Options, ready: threading.Event) -> None:
    t0 = time.perf_counter()
    try:
        with psycopg.connect(conninfo, autocommit=True,
                             application_name=f"hrdpg backfill part {part.number}") as conn:
            row = conn.execute("SELECT pg_catalog.pg_backend_pid()").fetchone()
            part.pid = int(row[0]) if row else None
            part.conn = conn
            ready.set()
            conn.execute(CALL_SQL, (part.date_from, part.date_to, options.chunk_days,
                                    options.as_of, options.alias, options.challengers,
                                    options.triggered_by, options.refresh_features,
                                    options.reasons))
    except psycopg.Error as exc:
        part.error = server_message(exc)
    finally:
        part.conn = None
        part.seconds = time.perf_counter() - t0
        ready.set()


def _cancel(todo: list[Part]) -> None:
    for p in todo:
        conn = p.conn
        if conn is not None:
            with contextlib.suppress(psycopg.Error):  # it has just finished
                conn.cancel_safe()


def _read_progress(conn: psycopg.Connection, todo: list[Part], since: dt.datetime,
                   days_total: int) -> Progress:
    pids = [p.pid for p in todo if p.pid is not None]
    rows = conn.execute(PROGRESS_SQL, (pids, since)).fetchall()
    conn.commit()
    return Progress(sum(int(r[3] or 0) for r in rows), days_total,
                    {int(r[0]): (int(r[1]), r[2]) for r in rows})


def run(conninfo: str, date_from: dt.date, date_to: dt.date, jobs: int,
        options: Options | None = None, progress: ProgressFn | None = None) -> list[Part]:
    """Score date_from..date_to in up to `jobs` parts side by side; returns the parts with
    their run ids and errors (a failed part's earlier chunks stay committed, as in score_range).
    Ctrl-C cancels every part."""
    if jobs < 1:
        raise HrdpgError(f"--jobs must be at least 1, got {jobs}")
    options = options or Options()
    with psycopg.connect(conninfo, application_name="hrdpg backfill") as conn:
        todo = parts(conn, date_from, date_to, jobs)
        now = conn.execute("SELECT pg_catalog.now()").fetchone()
        conn.commit()
        since = now[0] if now else dt.datetime.now(dt.UTC)
        days_total = (date_to - date_from).days + 1
        threads = []
        for p in todo:
            ready = threading.Event()
            t = threading.Thread(target=_score_part, args=(conninfo, p, options, ready),
                                 daemon=True)
            t.start()
            ready.wait()
            threads.append(t)
        try:
            while any(t.is_alive() for t in threads):
                state = _read_progress(conn, todo, since, days_total)
                models = {str(m) for _, m in state.runs.values()}
                if len(models) > 1:
                    _cancel(todo)
                    for t in threads:
                        t.join()
                    raise HrdpgError(
                        f"backfill cancelled: its parts started on different models "
                        f"({', '.join(sorted(models))}: the alias {options.alias} moved while "
                        "they started). Committed chunks stay; run the backfill again.")
                if progress is not None:
                    progress(state)
                for t in threads:
                    t.join(POLL_S / len(threads))
        except KeyboardInterrupt:
            _cancel(todo)
            for t in threads:
                t.join()
            raise
        final = _read_progress(conn, todo, since, days_total)
        for p in todo:
            p.run_id = final.runs.get(p.pid or -1, (None, None))[0]
        if progress is not None:
            progress(final)
    return todo


def summary(todo: list[Part]) -> tuple[int, list[str]]:
    """(parts that failed, one line per failure saying what to re-run)."""
    lines = []
    for p in todo:
        if p.error is not None:
            lines.append(f"part {p.number} ({p.date_from} .. {p.date_to}) failed: {p.error}")
    return len(lines), lines

