"""The embedded, project-local PostgreSQL 15 cluster: init, start, stop, status.

The cluster never touches a data directory it did not create, and never deletes one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from hrdpg import serverenv
from hrdpg.config import PG_MAJOR, Settings
from hrdpg.errors import HrdpgError
from hrdpg.pgbin import ServerBinaries, ServerUser, find_binaries, run_as, server_user

CONF_NAME = "hrdpg.conf"
READY_TIMEOUT_S = 60.0
# With a standby: WAL a standby can replay, senders for it and a base backup (2 each), and
# slots. A hot standby needs max_wal_senders at least the primary's: both use these.
REPLICATION_SETTINGS = {
    "wal_level": "replica",
    "max_wal_senders": "4",
    "max_replication_slots": "4",
}


@dataclass(frozen=True)
class ClusterStatus:
    initialized: bool
    running: bool
    pid: int | None
    port: int
    data_dir: Path
    conninfo: str


class Cluster:
    def __init__(self, settings: Settings) -> None:
        if not settings.embedded:
            raise HrdpgError(
                "HRDPG_DSN/--dsn points at an external server; `hrdpg db up/down` only manage "
                "the embedded cluster. Unset HRDPG_DSN to use it."
            )
        self.settings = settings
        self.paths = settings.paths
        self.bins: ServerBinaries = find_binaries()
        self.user: ServerUser = server_user()
        self.environment_file = self.paths.environment_file
        self.port_hint = "Set HRDPG_PORT to a free port, e.g. `HRDPG_PORT=54330 hrdpg db up`."

    # ----------------------------------------------------------------- queries
    def initialized(self) -> bool:
        return (self.paths.data_dir / "PG_VERSION").exists()

    def running_pid(self) -> int | None:
        pidfile = self.paths.data_dir / "postmaster.pid"
        if not pidfile.exists():
            return None
        result = run_as(
            self.user, [self.bins.tool("pg_ctl"), "-D", str(self.paths.data_dir), "status"],
            check=False,
        )
        if result.returncode != 0:
            return None
        return int(pidfile.read_text().split("\n", 1)[0])

    def status(self) -> ClusterStatus:
        pid = self.running_pid() if self.initialized() else None
        return ClusterStatus(
            initialized=self.initialized(), running=pid is not None, pid=pid,
            port=self.settings.port, data_dir=self.paths.data_dir,
            conninfo=self.settings.conninfo(),
        )

    # ----------------------------------------------------------------- init
    def _owned_dir(self, path: Path, mode: int) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(path, self.user.uid, self.user.gid)
        path.chmod(mode)

    def _check_data_dir(self) -> None:
        data = self.paths.data_dir
        if not data.exists():
            return
        owner = data.stat().st_uid
        if owner != self.user.uid:
            raise HrdpgError(
                f"data directory {data} is owned by uid {owner}, but the server runs as "
                f"{self.user.name} (uid {self.user.uid}). Fix with "
                f"`chown -R {self.user.name} {data}` or set HRDPG_HOME to another directory. "
                "hrdpg will not modify or delete it."
            )
        version_file = data / "PG_VERSION"
        if version_file.exists():
            major = version_file.read_text().strip()
            if major != str(PG_MAJOR):
                raise HrdpgError(
                    f"{data} holds a PostgreSQL {major} cluster; hrdpg runs PostgreSQL {PG_MAJOR}. "
                    f"Upgrade it with pg_upgrade or set HRDPG_HOME to a new directory."
                )
        elif any(data.iterdir()):
            raise HrdpgError(
                f"{data} exists, is not empty and is not a PostgreSQL data directory. "
                "Move it away or set HRDPG_HOME; hrdpg will not overwrite it."
            )

    def init(self) -> bool:
        """Create the cluster if it does not exist; returns True when it was created."""
        self._check_data_dir()
        if self.initialized():
            return False
        self.paths.home.mkdir(parents=True, exist_ok=True)
        self._check_traversable(self.paths.home)
        self._owned_dir(self.paths.data_dir, 0o700)
        run_as(self.user, [
            self.bins.tool("initdb"), "-D", str(self.paths.data_dir), "-U", "postgres",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C",
        ])
        with (self.paths.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(f"\ninclude_if_exists = '{CONF_NAME}'\n")
        return True

    def _check_traversable(self, path: Path) -> None:
        if self.user.is_self:
            return
        probe = run_as(self.user, ["test", "-x", str(path)], check=False)
        if probe.returncode != 0:
            raise HrdpgError(
                f"OS user {self.user.name} cannot enter {path} (a parent directory is private). "
                "Set HRDPG_HOME to a directory it can reach, e.g. /var/lib/hrdpg."
            )

    def replicated(self) -> bool:
        """A standby is set up next to this cluster (`hrdpg db replica up`)."""
        return self.paths.replica_home.is_dir()

    def server_settings(self) -> dict[str, str]:
        """What hrdpg.conf says; `write_conf` rewrites it on every start."""
        lines = {
            "port": str(self.settings.port),
            "listen_addresses": "'localhost'",
            "unix_socket_directories": f"'{self.paths.socket_dir}'",
            "unix_socket_permissions": "0700",
            "shared_preload_libraries": "'pg_cron'",
            "cron.database_name": f"'{self.settings.dbname}'",
            "cron.use_background_workers": "on",
            "max_worker_processes": "24",
            "timezone": "'UTC'",
            "shared_buffers": "'256MB'",
            "work_mem": "'32MB'",
            "maintenance_work_mem": "'256MB'",
            # A single-node modeling engine: bulk loads into tables truncated in the same
            # transaction skip WAL, and big loads do not force checkpoints. With a standby
            # (`hrdpg db replica up`) REPLICATION_SETTINGS apply; a team's own server keeps
            # its own settings (docs/operations.md, docs/scaling.md).
            "wal_level": "minimal",
            "max_wal_senders": "0",
            "max_wal_size": "'4GB'",
            "checkpoint_timeout": "'15min'",
            "logging_collector": "off",
            "log_min_messages": "warning",
        }
        if self.replicated():
            lines.update(REPLICATION_SETTINGS)
        return lines

    def write_conf(self) -> None:
        """Settings hrdpg owns; rewritten on every start so HRDPG_PORT changes apply."""
        lines = self.server_settings()
        text = "# Managed by hrdpg (`hrdpg db up`); edits are overwritten.\n" + "".join(
            f"{key} = {value}\n" for key, value in lines.items()
        )
        conf = self.paths.data_dir / CONF_NAME
        conf.write_text(text)
        if os.geteuid() == 0:
            os.chown(conf, self.user.uid, self.user.gid)

    # ----------------------------------------------------------------- start / stop
    def start(self) -> bool:
        """Start the server if it is not running; returns True when it was started."""
        self._check_data_dir()
        if not self.initialized():
            raise HrdpgError(f"no cluster in {self.paths.data_dir}; run `hrdpg db up`")
        if self.running_pid() is not None:
            return False
        self._check_port_free()
        self._clear_stale_pidfile()
        self.write_conf()
        self._owned_dir(self.paths.socket_dir, 0o700)
        self._owned_dir(self.paths.log_file.parent, 0o755)
        env = serverenv.read_environment_file(self.environment_file)
        run_as(self.user, [
            self.bins.tool("pg_ctl"), "-D", str(self.paths.data_dir),
            "-l", str(self.paths.log_file), "-W", "start",
        ], env=env)
        self.wait_ready()
        return True

    def _check_port_free(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", self.settings.port))
            except OSError as exc:
                raise HrdpgError(
                    f"port {self.settings.port} on localhost is already in use by another "
                    f"process. {self.port_hint}"
                ) from exc

    def _clear_stale_pidfile(self) -> None:
        pidfile = self.paths.data_dir / "postmaster.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text().split("\n", 1)[0] or 0)
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            comm = ""
        if comm != "postgres":
            # The postmaster died without cleaning up; a reused PID would make postgres refuse.
            pidfile.unlink()
            print(f"removed stale postmaster.pid (PID {pid} is not a running postgres)")

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Poll pg_isready with backoff; fail fast with the log tail if the server died."""
        deadline = time.monotonic() + timeout
        delay = 0.05
        while time.monotonic() < deadline:
            probe = subprocess.run(
                [self.bins.tool("pg_isready"), "-q", "-h", str(self.paths.socket_dir),
                 "-p", str(self.settings.port)], check=False,
            )
            if probe.returncode == 0:
                return
            if not (self.paths.data_dir / "postmaster.pid").exists() and delay > 0.4:
                break
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        raise HrdpgError(
            f"PostgreSQL did not become ready within {timeout:.0f} s. Last log lines "
            f"({self.paths.log_file}):\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.paths.log_file.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> bool:
        if self.running_pid() is None:
            return False
        run_as(self.user, [
            self.bins.tool("pg_ctl"), "-D", str(self.paths.data_dir), "-m", "fast", "-w", "stop",
        ])
        return True
