"""API readers on a streaming standby: the same pgbench readers as bench_readers.py
(bench/pgbench/latest_signals.sql, one race day's top signals) at 8 and 32 clients, side by
side on the primary and on its standby, both while a writer re-scores the read days on the
primary in a loop. A checker on the standby flags any race seen half-published, and the
standby's replay lag is sampled throughout.

    hrdpg db replica up     # first: the embedded cluster's standby
    python bench/bench_replica.py --dsn PRIMARY_DSN --standby-dsn STANDBY_DSN [--generate]
                                  [--read-days 5] [--seconds 20] [--clients 8 32]

--generate as in bench_readers.py (a synthetic world and a model, on the primary).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import threading
import time
from dataclasses import dataclass, field

import psycopg
from bench_readers import Checker, Readers, Writer, pgbench, read_days, reader_args, reset
from rich.console import Console
from rich.table import Table


@dataclass
class LagSampler:
    """Replay lag, sampled over and over: the standby's distance (bytes) behind the primary's
    current WAL position, and how long until the standby has replayed up to it (ms)."""

    primary: str
    standby: str
    bytes_: list[float] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with psycopg.connect(self.primary, autocommit=True) as p, \
                psycopg.connect(self.standby, autocommit=True) as s:
            while not self.stop.wait(0.05):
                row = p.execute("SELECT pg_current_wal_lsn()::text").fetchone()
                assert row is not None
                t0 = time.perf_counter()
                behind = s.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, "
                                   "pg_last_wal_replay_lsn())::float8", (row[0],)).fetchone()
                self.bytes_.append(max(float(behind[0]), 0.0) if behind else 0.0)
                while not self.stop.is_set() and not (s.execute(
                        "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                        (row[0],)).fetchone() or (False,))[0]:
                    time.sleep(0.002)
                self.ms.append((time.perf_counter() - t0) * 1000)


def wait_replayed(primary: str, standby: str, timeout: float = 120.0) -> None:
    with psycopg.connect(primary, autocommit=True) as p, \
            psycopg.connect(standby, autocommit=True) as s:
        lsn = p.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        deadline = time.monotonic() + timeout
        while not (s.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                             (lsn[0] if lsn else None,)).fetchone() or (False,))[0]:
            if time.monotonic() > deadline:
                raise SystemExit(f"the standby did not replay within {timeout:.0f} s")
            time.sleep(0.05)


def during_scoring(args: argparse.Namespace, days: list[dt.date], clients: int, where: str,
                   checker: Checker | None) -> tuple[Readers, Writer, LagSampler, float]:
    reset(args.dsn, days)
    wait_replayed(args.dsn, args.standby_dsn)
    writer = Writer(args.dsn, days)
    lag = LagSampler(args.dsn, args.standby_dsn)
    jobs = [writer.run, lag.run] + ([checker.run] if checker else [])
    if checker:
        checker.stop.clear()
    threads = [threading.Thread(target=j) for j in jobs]
    for t in threads:
        t.start()
    dsn = args.standby_dsn if where == "standby" else args.dsn
    readers = pgbench(dsn, clients, args.seconds, days, f"{where}, primary scoring")
    for stop in (writer.stop, lag.stop, *([checker.stop] if checker else [])):
        stop.set()
    for t in threads:
        t.join()
    return readers, writer, lag, os.getloadavg()[0]


def main() -> None:
    ap = reader_args(__doc__)
    ap.add_argument("--standby-dsn", required=True)
    args = ap.parse_args()
    console = Console(width=160)
    days, full = read_days(args, console)
    console.print(f"load average {os.getloadavg()[0]:.2f}")
    checker = Checker(args.standby_dsn, days, full)
    table = Table(title="latest_signals readers while the primary scores (ms per query)")
    for col in ("clients", "readers on", "TPS", "P50", "P95", "P99", "P95 x primary",
                "score_day runs", "lag P95 ms", "lag max KiB", "load (1 min)"):
        table.add_column(col, justify="left" if col == "readers on" else "right")
    for clients in args.clients:
        primary = during_scoring(args, days, clients, "primary", None)
        standby = during_scoring(args, days, clients, "standby", checker)
        for (r, w, lag, load), where in ((primary, "primary"), (standby, "standby")):
            lag_p95 = statistics.quantiles(lag.ms, n=20)[-1] if len(lag.ms) > 1 else 0.0
            table.add_row(str(clients), where, f"{r.tps:.0f}", f"{r.pct(50):.2f}",
                          f"{r.pct(95):.2f}", f"{r.pct(99):.2f}",
                          f"{r.pct(95) / primary[0].pct(95):.2f}", str(len(w.runs_ms)),
                          f"{lag_p95:.0f}", f"{max(lag.bytes_, default=0) / 1024:.0f}",
                          f"{load:.2f}")
    console.print(table)
    console.print(f"checker on the standby: {checker.reads} full reads, {checker.races_seen} "
                  f"races checked, {len(checker.partial)} seen half-published "
                  f"{checker.partial[:5]}")
    if checker.partial:
        raise SystemExit("readers on the standby saw a half-published race")


if __name__ == "__main__":
    main()
