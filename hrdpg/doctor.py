"""`hrdpg db doctor`: what the server actually runs, and what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from hrdpg.config import Settings
from hrdpg.contract import absent_optional_data, check_source_views, odds_index_warning
from hrdpg.db import connect
from hrdpg.errors import HrdpgError
from hrdpg.serverenv import engine_source_hash


@dataclass
class Report:
    facts: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        width = max((len(k) for k, _ in self.facts), default=0)
        lines = [f"{key.ljust(width)}  {value}" for key, value in self.facts]
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"PROBLEM: {p}" for p in self.problems]
        lines.append("doctor: all checks passed" if self.ok else
                     f"doctor: {len(self.problems)} problem(s)")
        return "\n".join(lines)


def _scalar(conn: psycopg.Connection, query: str) -> Any:
    row = conn.execute(query).fetchone()
    return row[0] if row else None


def run(settings: Settings) -> Report:
    report = Report()
    try:
        conn = connect(settings)
    except HrdpgError as exc:
        report.problems.append(str(exc))
        return report
    with conn:
        report.facts.append(("server", str(_scalar(conn, "SELECT version()")).split(",")[0]))
        report.facts.append(("database", str(_scalar(conn, "SELECT current_database()"))))
        extensions: dict[str, str] = dict(conn.execute(
            "SELECT extname, extversion FROM pg_extension WHERE extname IN "
            "('plpython3u', 'pg_cron')").fetchall())
        for ext in ("plpython3u", "pg_cron"):
            if ext in extensions:
                report.facts.append((ext, extensions[ext]))
            elif ext == "pg_cron":  # scoring works without it; it may live in another database
                report.warnings.append(
                    "pg_cron is not in this database: schedule from the cron database with "
                    "`hrdpg --dsn <cron db> schedule install --database <this db>`")
            else:
                report.problems.append(f"extension {ext} is not installed; run `hrdpg db migrate`")
        _engine_info(conn, report)
        revision = None
        if _scalar(conn, "SELECT to_regclass('public.alembic_version')") is not None:
            revision = _scalar(conn, "SELECT version_num FROM public.alembic_version")
        report.facts.append(("schema revision", str(revision)))
        if revision is None:
            report.problems.append("modeling schema not migrated; run `hrdpg db migrate`")
        else:
            report.problems.extend(check_source_views(conn))
            report.warnings.extend(absent_optional_data(conn))
            odds = odds_index_warning(conn)
            if odds:
                report.warnings.append(odds)
            _signals_default(conn, report)
    return report


def _engine_info(conn: psycopg.Connection, report: Report) -> None:
    if _scalar(conn, "SELECT to_regprocedure('modeling.engine_info()')") is None:
        report.problems.append("modeling.engine_info() missing; run `hrdpg db migrate`")
        return
    try:
        info = _scalar(conn, "SELECT modeling.engine_info()")
    except psycopg.Error as exc:
        conn.rollback()
        report.problems.append(
            f"the server cannot import the engine modules: {exc.diag.message_primary}. "
            "Run `hrdpg db server-env` and restart the server with its environment file."
        )
        return
    for key in ("python", "python_executable", "numpy", "onnxruntime", "hrdpg_pl",
                "hrdpg_pl_path", "openblas_num_threads"):
        report.facts.append((f"server {key}", str(info.get(key))))
    for lib in ("numpy", "onnxruntime"):
        if str(info.get(lib, "")).startswith("missing"):
            report.problems.append(f"server Python cannot import {lib}: run `hrdpg db server-env`")
    if info.get("hrdpg_pl_source_hash") != engine_source_hash():
        report.problems.append(
            "the server's hrdpg_pl modules differ from this checkout; run `hrdpg db migrate` "
            "(embedded) or `hrdpg db server-env` on the database host"
        )


def _signals_default(conn: psycopg.Connection, report: Report) -> None:
    """Signals outside every month partition (modeling.signals_default) are a warning."""
    if _scalar(conn, "SELECT to_regprocedure('modeling.signals_default_summary()')") is None:
        return  # a schema before the partitioned signals
    message = _scalar(conn, "SELECT message FROM modeling.signals_default_summary()")
    if message:
        report.warnings.append(str(message))
