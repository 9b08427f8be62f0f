"""Measuring bench_score_range's paths: chunk boundaries, per-path results, a backend's peak
memory and CPU seconds from /proc, and the load average."""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

Chunk = tuple[dt.date, dt.date]


@dataclass
class Model:
    model_id: int
    names: list[str]
    feature_version: str
    artifact: bytes


@dataclass
class PathResult:
    seconds: float
    rows: int
    note: str = ""
    extra: dict[str, object] = field(default_factory=dict)
    cpu: float | None = None  # CPU seconds: the backend's, plus the client's for (iii)/(iv)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("nan")


class MemorySampler:
    """Polls /proc/<pid>/status of a backend from a thread: peak VmHWM and RssAnon (kB)."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.every = every
        self.hwm_kb = 0
        self.anon_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> None:
        try:
            text = self.path.read_text()
        except OSError:
            return
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        self.hwm_kb = max(self.hwm_kb, int(fields.get("VmHWM", "0 kB").split()[0]))
        self.anon_kb = max(self.anon_kb, int(fields.get("RssAnon", "0 kB").split()[0]))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._read()

    def __enter__(self) -> MemorySampler:
        self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()

    @property
    def available(self) -> bool:
        return self.samples > 0


def process_cpu(pid: int) -> float | None:
    """utime + stime of a process (None when /proc is not readable or it has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu(conn: psycopg.Connection) -> float | None:
    """utime + stime of this connection's backend (None when /proc is not readable)."""
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    return process_cpu(int(row[0]) if row else 0)


def cpu_sum(*parts: float | None) -> float | None:
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def chunks(lo: dt.date, hi: dt.date, days: int) -> list[Chunk]:
    """The same chunk boundaries as score_range."""
    out = []
    d = lo
    while d <= hi:
        end = min(d + dt.timedelta(days=days - 1), hi)
        out.append((d, end))
        d = end + dt.timedelta(days=1)
    return out


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"
