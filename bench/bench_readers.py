"""API readers under load: pgbench reads modeling.latest_signals (one race day's top signals,
bench/pgbench/latest_signals.sql) at 8 and 32 clients, first alone, then while a writer
re-scores those days in a loop (score_day, a fresh as_of each time). A checker reads the same
view throughout the writing phase and flags any race it sees half-published (runner count
short of the race's full publication, or rows from more than one run / as_of).

    python bench/bench_readers.py --dsn DSN [--generate] [--days 60] [--races-per-day 72]
                                  [--read-days 5] [--seconds 20] [--clients 8 32]

The database must be migrated; --generate loads a synthetic world first (empty racing tables)
and a small model is trained and promoted when production is unset (as bench_score.py does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg
from bench_score import ensure_model
from rich.console import Console
from rich.table import Table

from hrdpg.pgbin import find_binaries

SCRIPT = Path(__file__).resolve().parent / "pgbench" / "latest_signals.sql"
EPOCH = dt.date(2000, 1, 1)
# Per race of a day as the API sees it: runners, distinct as_of, distinct runs.
RACE_SHAPE = """
SELECT race_id, count(*), count(DISTINCT as_of), count(DISTINCT run_id)
  FROM modeling.latest_signals WHERE race_date = ANY(%s) GROUP BY race_id
"""


@dataclass
class Readers:
    clients: int
    phase: str
    tps: float
    latencies_ms: np.ndarray

    def pct(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q))


def pgbench(dsn: str, clients: int, seconds: int, days: list[dt.date], phase: str) -> Readers:
    lo, hi = ((d - EPOCH).days for d in (min(days), max(days)))
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "lat"
        out = subprocess.run(
            [find_binaries().tool("pgbench"), "-n", "-c", str(clients), "-j", "2",
             "-T", str(seconds), "-M", "prepared", "-f", str(SCRIPT), "-D", f"lo={lo}",
             "-D", f"hi={hi}", "-l", f"--log-prefix={prefix}", dsn],
            check=False, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"pgbench failed:\n{out.stderr[-2000:]}")
        lat = [int(line.split()[2]) / 1000.0 for log in Path(tmp).glob("lat*")
               for line in log.read_text().splitlines()]
    tps = next(float(line.split("=")[1].split()[0]) for line in out.stdout.splitlines()
               if line.startswith("tps ="))
    return Readers(clients, phase, tps, np.array(lat))


@dataclass
class Writer:
    """score_day over the read days in a loop, each a new as_of, until stopped."""

    dsn: str
    days: list[dt.date]
    runs_ms: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with psycopg.connect(self.dsn) as conn:
            i = 0
            while not self.stop.is_set():
                t0 = time.perf_counter()
                conn.execute("SELECT modeling.score_day(%s, clock_timestamp())",
                             (self.days[i % len(self.days)],))
                conn.commit()
                self.runs_ms.append((time.perf_counter() - t0) * 1000)
                i += 1


@dataclass
class Checker:
    """Reads every race of the read days as the API would, over and over, and counts races
    seen with fewer runners than their full publication or rows of two publications."""

    dsn: str
    days: list[dt.date]
    full: dict[int, int]
    reads: int = 0
    races_seen: int = 0
    partial: list[tuple[int, int, int, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                for race, n, n_as_of, n_runs in conn.execute(RACE_SHAPE, (self.days,)):
                    self.races_seen += 1
                    if n != self.full[race] or n_as_of != 1 or n_runs != 1:
                        self.partial.append((race, n, n_as_of, n_runs))
                self.reads += 1


def prepare(conn: psycopg.Connection, args: argparse.Namespace) -> list[dt.date]:
    if args.generate:
        from hrdpg.synth.config import SynthConfig
        from hrdpg.synth.world import generate
        from hrdpg.synth.write import write_world

        write_world(conn, generate(SynthConfig(seed=5, n_days=args.days,
                                               races_per_day=args.races_per_day)))
        conn.commit()
    ensure_model(conn)
    days = [r[0] for r in conn.execute(
        "SELECT DISTINCT race_date FROM modeling.src_races ORDER BY 1 DESC LIMIT %s",
        (args.read_days,))]
    return sorted(days)


def reset(dsn: str, days: list[dt.date]) -> None:
    """Back to one publication per read day, so every client count starts from the same
    state (the writer adds one per loop)."""
    with psycopg.connect(dsn) as conn:
        conn.execute("DELETE FROM modeling.signals WHERE race_date = ANY(%s)", (days,))
        conn.commit()
        for d in days:
            conn.execute("SELECT modeling.score_day(%s, clock_timestamp())", (d,))
            conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE modeling.signals")


def publications(dsn: str, days: list[dt.date]) -> float:
    """Production publications (as_of) per race of the read days, on average."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(DISTINCT (race_id, as_of))::float8 / "
                           "greatest(count(DISTINCT race_id), 1) FROM modeling.signals "
                           "WHERE alias = 'production' AND race_date = ANY(%s)",
                           (days,)).fetchone()
    return float(row[0]) if row else 0.0


def reader_args(doc: str | None) -> argparse.ArgumentParser:
    """The options of a readers benchmark (bench_replica.py adds --standby-dsn)."""
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--generate", action="store_true")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--races-per-day", type=int, default=72)
    ap.add_argument("--read-days", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    return ap


def read_days(args: argparse.Namespace, console: Console) -> tuple[list[dt.date], dict[int, int]]:
    """The days to read, published once each; and per race its full publication's runners."""
    with psycopg.connect(args.dsn) as conn:
        days = prepare(conn, args)
    reset(args.dsn, days)
    with psycopg.connect(args.dsn) as conn:
        full: dict[int, int] = dict(conn.execute(
            "SELECT race_id, count(*) FROM modeling.latest_signals "
            "WHERE race_date = ANY(%s) GROUP BY race_id", (days,)))
    console.print(f"read days {days[0]}..{days[-1]}: {len(full)} races, {sum(full.values())} "
                  f"runners with production signals; {args.seconds} s per phase")
    return days, full


def main() -> None:
    args = reader_args(__doc__).parse_args()
    console = Console()
    days, full = read_days(args, console)

    results: list[Readers] = []
    writers: list[Writer] = []
    checker = Checker(args.dsn, days, full)
    pubs: list[float] = []
    for clients in args.clients:
        reset(args.dsn, days)
        results.append(pgbench(args.dsn, clients, args.seconds, days, "alone"))
        writer = Writer(args.dsn, days)
        threads = [threading.Thread(target=writer.run), threading.Thread(target=checker.run)]
        checker.stop.clear()
        for t in threads:
            t.start()
        results.append(pgbench(args.dsn, clients, args.seconds, days, "during scoring"))
        writer.stop.set()
        checker.stop.set()
        for t in threads:
            t.join()
        writers.append(writer)
        pubs.append(publications(args.dsn, days))

    table = Table(title="latest_signals readers (ms per query)")
    for col in ("clients", "phase", "TPS", "P50", "P95", "P99", "P99 x alone", "TPS x alone"):
        table.add_column(col, justify="left" if col == "phase" else "right")
    for alone, busy in zip(results[::2], results[1::2], strict=True):
        for r in (alone, busy):
            table.add_row(str(r.clients), r.phase, f"{r.tps:.0f}", f"{r.pct(50):.2f}",
                          f"{r.pct(95):.2f}", f"{r.pct(99):.2f}",
                          f"{r.pct(99) / alone.pct(99):.2f}", f"{r.tps / alone.tps:.2f}")
    console.print(table)
    for clients, w, p in zip(args.clients, writers, pubs, strict=True):
        console.print(f"writer at {clients} clients: {len(w.runs_ms)} score_day runs, median "
                      f"{statistics.median(w.runs_ms) if w.runs_ms else float('nan'):.0f} ms; "
                      f"{p:.1f} publications per race at the end")
    console.print(f"checker: {checker.reads} full reads, {checker.races_seen} races checked, "
                  f"{len(checker.partial)} seen half-published {checker.partial[:5]}")
    if checker.partial:
        raise SystemExit("readers saw a half-published race")


if __name__ == "__main__":
    main()
