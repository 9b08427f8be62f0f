"""`hrdpg db replica status` wording and exit state, from the figures it gathered."""

from __future__ import annotations

from hrdpg.replica import SLOT
from hrdpg.replica_status import ReplicaStatus

STREAMING = ReplicaStatus(
    set_up=True, running=True, primary_running=True, conninfo="host=/x port=2", wal_level="replica",
    slot_active=True, slot_wal_status="reserved", slot_retained_bytes=3 * 2**20,
    stream_state="streaming", sender_replay_lag_ms=1.5, in_recovery=True,
    replay_pause="not paused", replay_lag_bytes=4096, replay_lag_ms=12.0)


def test_streaming_standby_is_healthy_and_shows_lag_and_slot() -> None:
    text = STREAMING.render()
    assert STREAMING.healthy
    assert f"{SLOT} (active, WAL reserved, holds 3.0 MiB)" in text
    assert "4,096 bytes behind the primary, 12 ms" in text


def test_unset_stopped_or_promoted_standby_is_not_healthy() -> None:
    assert "`hrdpg db replica up`" in ReplicaStatus(set_up=False).render()
    stopped = ReplicaStatus(set_up=True, running=False, primary_running=False, conninfo="c")
    assert "`hrdpg db up`" in stopped.render()
    promoted = ReplicaStatus(**{**STREAMING.__dict__, "in_recovery": False})
    assert "PROMOTED" in promoted.render()
    assert not any(s.healthy for s in (ReplicaStatus(set_up=False), stopped, promoted))
