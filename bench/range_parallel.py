"""bench_score_range's parallel paths: the same backfill on N backends at once.

  (iiN) hrdpg backfill --jobs N: the range in N parts of equal runners
        (modeling.backfill_parts), one CALL score_range per part, side by side
  (eqN) the equal-work external path (range_equal) in N client processes, one per part of the
        same boundaries: what a user without PL/Python would do with N cores

CPU seconds are the backends' (and for (eqN) the client processes') utime + stime, summed;
peak memory is the largest VmHWM of any one backend.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import threading
import time
from pathlib import Path

import psycopg
from range_equal import run_equal_work
from range_measure import PathResult, chunks, process_cpu

from hrdpg import backfill


class BackendSampler:
    """Polls /proc/<pid>/stat and status of backends added while it runs: the last CPU seconds
    seen per pid (a backend's /proc entry is gone once it exits) and the largest VmHWM."""

    def __init__(self, every: float = 0.1) -> None:
        self.every = every
        self.cpu: dict[int, float] = {}
        self.hwm_kb = 0
        self.pids: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def add(self, pid: int) -> None:
        self.pids.add(pid)

    def sample(self) -> None:
        for pid in list(self.pids):
            cpu = process_cpu(pid)
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            if cpu is not None:
                self.cpu[pid] = cpu
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.hwm_kb = max(self.hwm_kb, int(line.split()[1]))

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def __enter__(self) -> BackendSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_parallel_score_range(dsn: str, lo: dt.date, hi: dt.date, chunk_days: int,
                             jobs: int) -> PathResult:
    t0 = time.perf_counter()
    with BackendSampler() as sampler:
        def seen(state: backfill.Progress) -> None:
            for pid in state.runs:
                sampler.add(pid)
            sampler.sample()  # the last figures before a backend exits

        todo = backfill.run(dsn, lo, hi, jobs,
                            backfill.Options(refresh_features=False, chunk_days=chunk_days),
                            seen)
    seconds = time.perf_counter() - t0
    failed, lines = backfill.summary(todo)
    assert not failed, lines
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT coalesce(sum(rows_out), 0) FROM modeling.runs "
                            "WHERE run_id = ANY (%s)", ([p.run_id for p in todo],)).fetchone()
    parts = [(str(p.date_from), str(p.date_to), p.runners, round(p.seconds, 1)) for p in todo]
    return PathResult(seconds, int(rows[0]) if rows else 0, "",
                      {"parts": parts, "vm_hwm_mb_max": sampler.hwm_kb / 1024},
                      sum(sampler.cpu.values()) if sampler.cpu else None)


def _equal_part(args: tuple[str, list[tuple[dt.date, dt.date]]]) -> PathResult:
    dsn, part_chunks = args
    return run_equal_work(dsn, part_chunks)


def run_parallel_equal(dsn: str, lo: dt.date, hi: dt.date, chunk_days: int,
                       jobs: int) -> PathResult:
    with psycopg.connect(dsn) as conn:
        todo = backfill.parts(conn, lo, hi, jobs)
    work = [(dsn, chunks(p.date_from, p.date_to, chunk_days)) for p in todo]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(len(work)) as pool:
        results = pool.map(_equal_part, work)
    seconds = time.perf_counter() - t0
    cpu = None if any(r.cpu is None for r in results) else sum(r.cpu or 0 for r in results)
    return PathResult(seconds, sum(r.rows for r in results), "",
                      {"parts": [round(r.seconds, 1) for r in results]}, cpu)
