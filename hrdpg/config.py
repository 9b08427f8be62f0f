"""Where things live and which database every command talks to.

Resolution order for the database: ``--dsn`` flag, ``HRDPG_DSN``, then the embedded
project-local cluster under ``HRDPG_HOME`` (default ``<project>/.hrdpg``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
PLPYTHON_DIR = PROJECT_ROOT / "plpython"
ALEMBIC_DIR = PROJECT_ROOT / "alembic"

DEFAULT_PORT = 54329
DEFAULT_DBNAME = "hrdpg"
PG_MAJOR = 15


@dataclass(frozen=True)
class EmbeddedPaths:
    """Layout of the project-managed cluster and its server-side Python."""

    home: Path
    server_venv_override: Path | None = None

    @property
    def data_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.home / "run"

    @property
    def log_file(self) -> Path:
        return self.home / "log" / "postgres.log"

    @property
    def server_venv(self) -> Path:
        return self.server_venv_override or self.home / "server-venv"

    @property
    def replica_home(self) -> Path:
        """The same-machine standby of `hrdpg db replica up`; its presence turns WAL on."""
        return self.home / "replica"

    @property
    def environment_file(self) -> Path:
        """Postmaster environment, same format as Debian's /etc/postgresql/*/*/environment."""
        return self.home / "environment"


@dataclass(frozen=True)
class Settings:
    dsn: str | None
    home: Path
    port: int
    dbname: str
    server_venv: Path | None = None

    @property
    def embedded(self) -> bool:
        return self.dsn is None

    @property
    def paths(self) -> EmbeddedPaths:
        return EmbeddedPaths(self.home, self.server_venv)

    def conninfo(self) -> str:
        """libpq connection string for the engine database."""
        if self.dsn is not None:
            return self.dsn
        return (
            f"host={self.paths.socket_dir} port={self.port} dbname={self.dbname} user=postgres"
        )

    def maintenance_conninfo(self) -> str:
        """Connection to the ``postgres`` database (to create the engine database)."""
        if self.dsn is not None:
            return self.dsn
        return f"host={self.paths.socket_dir} port={self.port} dbname=postgres user=postgres"


def load_settings(dsn: str | None = None) -> Settings:
    env_dsn = os.environ.get("HRDPG_DSN") or None
    home = Path(os.environ.get("HRDPG_HOME", PROJECT_ROOT / ".hrdpg")).resolve()
    port_text = os.environ.get("HRDPG_PORT", str(DEFAULT_PORT))
    try:
        port = int(port_text)
    except ValueError as exc:
        raise SystemExit(f"HRDPG_PORT must be a number, got {port_text!r}") from exc
    dbname = os.environ.get("HRDPG_DBNAME", DEFAULT_DBNAME)
    venv = os.environ.get("HRDPG_SERVER_VENV")
    return Settings(
        dsn=dsn or env_dsn, home=home, port=port, dbname=dbname,
        server_venv=Path(venv).resolve() if venv else None,
    )
