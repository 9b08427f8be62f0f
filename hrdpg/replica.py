"""A physical streaming standby of the embedded cluster, on the same machine.

`up` turns the primary's WAL up to `replica` (one restart, the first time), makes a base backup
through a replication slot (the primary keeps every WAL segment the standby has not replayed)
and starts the copy as a hot standby on its own port and socket; `down` stops it, drops the
slot and removes the copy, which cannot catch up once its slot is gone.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from hrdpg.cluster import Cluster
from hrdpg.config import Settings
from hrdpg.errors import HrdpgError
from hrdpg.pgbin import run_as

SLOT = "hrdpg_replica"
ROLE = "hrdpg_replication"
# The embedded cluster's own rule (initdb --auth-local=trust) for this role alone: its socket
# directory is 0700, so only the server's OS user reaches it; the role has no password.
HBA_LINE = f"local replication {ROLE} trust"
STATE_FILE = "replica.json"
DEADLINE_S = 60.0
STANDBY_SETTINGS = {
    "hot_standby": "on",
    # API reads are short, but the primary's vacuum during a scoring loop would cancel them
    # ("conflict with recovery"); feedback holds back only the rows a running read needs.
    "hot_standby_feedback": "on",
}
Say = Callable[[str], None]


class Standby(Cluster):
    """The copy: the primary's settings and server Python, its own port, socket and log."""

    def __init__(self, primary: Cluster, port: int) -> None:
        super().__init__(Settings(dsn=None, home=primary.paths.replica_home, port=port,
                                  dbname=primary.settings.dbname,
                                  server_venv=primary.paths.server_venv))
        self.environment_file = primary.environment_file
        self.port_hint = ("Run `hrdpg db replica down`, then `hrdpg db replica up --port N` "
                          "with a free port.")

    def replicated(self) -> bool:
        return True  # a standby needs the primary's WAL settings (max_wal_senders at least)

    def server_settings(self) -> dict[str, str]:
        return {**super().server_settings(), **STANDBY_SETTINGS}

    def promoted(self) -> bool:
        """It holds data but is no longer a standby: a server of its own, not a copy."""
        return self.initialized() and not (self.paths.data_dir / "standby.signal").exists()


def standby_of(primary: Cluster) -> Standby | None:
    """The standby `up` set up next to this primary, if any (its port is in the state file)."""
    state = primary.paths.replica_home / STATE_FILE
    if not state.exists():
        return None
    return Standby(primary, int(json.loads(state.read_text())["port"]))


def admin(cluster: Cluster) -> psycopg.Connection:
    return psycopg.connect(cluster.settings.maintenance_conninfo(), autocommit=True,
                           application_name="hrdpg replica")


def slot_state(primary: Cluster) -> tuple[bool, int | None] | None:
    """(active, pid of its sender) of the slot on the primary; None when there is none."""
    with admin(primary) as conn:
        row = conn.execute("SELECT active, active_pid FROM pg_replication_slots "
                           "WHERE slot_name = %s", (SLOT,)).fetchone()
    return None if row is None else (bool(row[0]), row[1])


def up(settings: Settings, port: int | None, say: Say = print) -> Standby:
    primary = Cluster(settings)
    if primary.running_pid() is None:
        raise HrdpgError("the embedded cluster is not running: start it with `hrdpg db up`, "
                         "then run `hrdpg db replica up` again")
    existing = standby_of(primary)
    if existing is not None and existing.initialized():
        return _restart(primary, existing, port, say)
    standby = Standby(primary, port or settings.port + 1)
    if standby.settings.port == settings.port:
        raise HrdpgError(f"port {port} is the primary's: give the standby another with --port")
    standby._check_port_free()
    _prepare_home(primary, standby)
    if _wal_level(primary) == "minimal":
        primary.stop()
        primary.start()
        say("restarted the primary with wal_level = replica (it was minimal)")
    _allow_replication(primary)
    _base_backup(primary, standby)
    standby.start()
    _wait_streaming(primary, standby)
    say(f"standby streaming from the primary: {standby.settings.conninfo()}")
    return standby


def _restart(primary: Cluster, standby: Standby, port: int | None, say: Say) -> Standby:
    """A standby set up before: start it again if its slot is still there."""
    if port is not None and port != standby.settings.port:
        raise HrdpgError(f"the standby in {standby.paths.data_dir} uses port "
                         f"{standby.settings.port}; run `hrdpg db replica down` first to make "
                         f"it anew on port {port}")
    if standby.promoted():
        raise HrdpgError(f"{standby.paths.data_dir} was promoted and is no longer a standby; "
                         "move it away, then run `hrdpg db replica up` again")
    if slot_state(primary) is None:
        raise HrdpgError(f"the primary has no slot {SLOT} any more, so the WAL the standby needs "
                         "may be gone: run `hrdpg db replica down`, then `hrdpg db replica up`")
    started = standby.start()
    _wait_streaming(primary, standby)
    say(f"standby {'started' if started else 'already running'}, streaming: "
        f"{standby.settings.conninfo()}")
    return standby


def _prepare_home(primary: Cluster, standby: Standby) -> None:
    home = primary.paths.replica_home
    primary._owned_dir(home, 0o755)  # its presence makes the primary's start keep WAL
    (home / STATE_FILE).write_text(json.dumps({"port": standby.settings.port}) + "\n")


def _wal_level(primary: Cluster) -> str:
    with admin(primary) as conn:
        row = conn.execute("SHOW wal_level").fetchone()
    assert row is not None
    return str(row[0])


def _allow_replication(primary: Cluster) -> None:
    """The replication role (no password, no other power) and its socket-only hba rule."""
    with admin(primary) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone()
        if exists is None:
            conn.execute(f"CREATE ROLE {ROLE} LOGIN REPLICATION")
        conn.execute(f"ALTER ROLE {ROLE} LOGIN REPLICATION NOSUPERUSER NOCREATEDB "
                     "NOCREATEROLE NOBYPASSRLS PASSWORD NULL")
        conn.execute(f"COMMENT ON ROLE {ROLE} IS 'Streams WAL to the standby of `hrdpg db "
                     "replica up` over the local socket only; no password.'")
        row = conn.execute("SHOW hba_file").fetchone()
        assert row is not None
        hba = Path(str(row[0]))
        lines = hba.read_text().splitlines()
        if HBA_LINE not in (line.strip() for line in lines):
            hba.write_text("\n".join(["# hrdpg db replica: the standby's stream", HBA_LINE,
                                      *lines]) + "\n")
            conn.execute("SELECT pg_reload_conf()")
    _wait(lambda: _can_replicate(primary), "the primary did not accept the replication role "
          f"after reloading pg_hba.conf; check {HBA_LINE!r} is in it")


def _can_replicate(primary: Cluster) -> bool:
    conninfo = (f"host={primary.paths.socket_dir} port={primary.settings.port} user={ROLE} "
                "dbname=replication replication=true")
    try:
        psycopg.connect(conninfo, connect_timeout=5).close()
    except psycopg.OperationalError:
        return False
    return True


def _base_backup(primary: Cluster, standby: Standby) -> None:
    holder = slot_state(primary)
    if holder is not None:
        if holder[0]:
            raise HrdpgError(f"slot {SLOT} on the primary is in use by pid {holder[1]}: another "
                             "standby streams through it; stop that one first")
        with admin(primary) as conn:  # left by an earlier `up` that failed: it holds WAL
            conn.execute("SELECT pg_drop_replication_slot(%s)", (SLOT,))
    standby._owned_dir(standby.paths.data_dir, 0o700)
    out = run_as(standby.user, [
        standby.bins.tool("pg_basebackup"), "-D", str(standby.paths.data_dir),
        "-h", str(primary.paths.socket_dir), "-p", str(primary.settings.port), "-U", ROLE,
        "-w", "-R", "-X", "stream", "-C", "-S", SLOT, "-c", "fast",
    ], check=False)
    if out.returncode != 0:
        said = (out.stderr.strip() or out.stdout.strip() or "no output").splitlines()[-1]
        raise HrdpgError(f"pg_basebackup failed ({said}); fix that, then run "
                         "`hrdpg db replica up` again")


def _wait_streaming(primary: Cluster, standby: Standby) -> None:
    def streaming() -> bool:
        with admin(primary) as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_replication_slots s JOIN pg_stat_replication r "
                "ON r.pid = s.active_pid WHERE s.slot_name = %s AND r.state = 'streaming'",
                (SLOT,)).fetchone()
        return row is not None
    _wait(streaming, f"the standby did not start streaming; see {standby.paths.log_file}")


def _wait(ready: Callable[[], bool], failure: str, timeout: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while not ready():
        if time.monotonic() > deadline:
            raise HrdpgError(f"{failure} (waited {timeout:.0f} s)")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def down(settings: Settings, say: Say = print) -> None:
    primary = Cluster(settings)
    standby = standby_of(primary)
    if standby is not None:
        if standby.promoted():
            raise HrdpgError(f"{standby.paths.data_dir} was promoted and is no longer a "
                             "standby; hrdpg keeps it: move it away, then run "
                             "`hrdpg db replica down` again")
        say("standby stopped" if standby.stop() else "standby was not running")
    if primary.running_pid() is None:
        raise HrdpgError(f"the primary is not running, so its slot {SLOT} stays: start it with "
                         "`hrdpg db up`, then run `hrdpg db replica down` again")
    _wait(lambda: not (slot_state(primary) or (False, None))[0],
          f"slot {SLOT} stays in use by another standby; stop it first")
    with admin(primary) as conn:
        dropped = conn.execute("SELECT pg_drop_replication_slot(slot_name) FROM "
                               "pg_replication_slots WHERE slot_name = %s", (SLOT,)).fetchall()
    say(f"slot {SLOT} dropped" if dropped else f"no slot {SLOT} on the primary")
    if primary.paths.replica_home.is_dir():
        shutil.rmtree(primary.paths.replica_home)
        say(f"removed the standby's copy in {primary.paths.replica_home}; the primary keeps "
            "wal_level = replica until its next restart")
