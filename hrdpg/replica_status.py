"""`hrdpg db replica status`: is the standby up, how far behind, and what its slot holds."""

from __future__ import annotations

from dataclasses import dataclass, replace

import psycopg

from hrdpg.cluster import Cluster
from hrdpg.config import Settings
from hrdpg.replica import SLOT, admin, standby_of

# On the primary: its WAL position, the slot and the sender streaming through it.
PRIMARY_SQL = """
SELECT pg_current_wal_lsn()::text, current_setting('wal_level'), s.active, s.wal_status,
       pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint, r.state,
       (extract(epoch FROM r.replay_lag) * 1000)::float8
  FROM (SELECT 1) one
  LEFT JOIN pg_replication_slots s ON s.slot_name = %s
  LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
"""
# On the standby: what it replayed, and how long ago the last replayed commit was made when
# WAL it received is still waiting (when nothing is waiting, it is not behind).
STANDBY_SQL = """
SELECT pg_is_in_recovery(), pg_get_wal_replay_pause_state(), pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()
            THEN (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8
            ELSE 0 END
"""


@dataclass(frozen=True)
class ReplicaStatus:
    set_up: bool
    running: bool = False
    primary_running: bool = False
    conninfo: str = ""
    wal_level: str | None = None
    slot_active: bool | None = None
    slot_wal_status: str | None = None
    slot_retained_bytes: int | None = None
    stream_state: str | None = None
    sender_replay_lag_ms: float | None = None
    in_recovery: bool | None = None
    replay_pause: str | None = None
    replay_lag_bytes: int | None = None
    replay_lag_ms: float | None = None

    @property
    def healthy(self) -> bool:
        return self.running and self.stream_state == "streaming" and bool(self.in_recovery)

    def render(self) -> str:
        if not self.set_up:
            return "no standby set up; make one with `hrdpg db replica up`"
        if not self.primary_running:
            return (f"standby: {'running' if self.running else 'stopped'}; the primary is not "
                    f"running (start it with `hrdpg db up`)\n  dsn:    {self.conninfo}")
        slot = ("none" if self.slot_active is None else
                f"{SLOT} ({'active' if self.slot_active else 'inactive'}, WAL "
                f"{self.slot_wal_status}, holds {_size(self.slot_retained_bytes)})")
        lines = [
            f"standby: {'running' if self.running else 'stopped'}"
            + (f", {'in recovery' if self.in_recovery else 'PROMOTED (not a standby)'}"
               f", replay {self.replay_pause}" if self.in_recovery is not None else ""),
            f"  dsn:    {self.conninfo}",
            f"  stream: {self.stream_state or 'not connected'} (primary wal_level "
            f"{self.wal_level or '?'})",
            f"  slot:   {slot}",
        ]
        if self.replay_lag_bytes is not None:
            lines.append(f"  replay lag: {self.replay_lag_bytes:,} bytes behind the primary, "
                         f"{self.replay_lag_ms or 0:.0f} ms since the last replayed commit "
                         "while WAL waits (sender's last replay_lag: "
                         + (f"{self.sender_replay_lag_ms:.1f} ms)"
                            if self.sender_replay_lag_ms is not None else "none pending)"))
        return "\n".join(lines)


def _size(n: int | None) -> str:
    return "?" if n is None else f"{n / 2**20:.1f} MiB"


def status(settings: Settings) -> ReplicaStatus:
    primary = Cluster(settings)
    standby = standby_of(primary)
    if standby is None or not standby.initialized():
        return ReplicaStatus(set_up=False)
    found = ReplicaStatus(set_up=True, running=standby.running_pid() is not None,
                          conninfo=standby.settings.conninfo())
    if primary.running_pid() is None:
        return found
    found = replace(found, primary_running=True)
    with admin(primary) as conn:
        row = conn.execute(PRIMARY_SQL, (SLOT,)).fetchone()
    assert row is not None
    lsn, wal_level, active, wal_status, retained, state, sender_lag = row
    found = replace(found, wal_level=wal_level, slot_active=active, slot_wal_status=wal_status,
                    slot_retained_bytes=retained, stream_state=state,
                    sender_replay_lag_ms=sender_lag)
    if not found.running:
        return found
    try:
        with admin(standby) as conn:
            row = conn.execute(STANDBY_SQL).fetchone()
            assert row is not None
            in_recovery, pause, replayed, lag_ms = row
            diff = conn.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn)::bigint",
                                (lsn, replayed)).fetchone()
    except psycopg.OperationalError:
        return found  # starting up, not yet consistent: no hot standby connections yet
    lag_bytes = None if diff is None or diff[0] is None else max(int(diff[0]), 0)
    return replace(found, in_recovery=in_recovery, replay_pause=pause,
                   replay_lag_bytes=lag_bytes, replay_lag_ms=lag_ms)
