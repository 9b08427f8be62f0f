"""staleness_ms on a standby whose replay is paused: it keeps growing, and it is never less
than the time since the primary committed the publication the standby has not replayed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest

from tests.db.replica.conftest import DAY, Pair, publish, wait_for, wait_replayed

READING = ("SELECT now(), min(staleness_ms), max(staleness_ms), array_agg(DISTINCT as_of) "
           "FROM modeling.latest_signals WHERE race_date = %s")


def clock(conn: psycopg.Connection) -> dt.datetime:
    row = conn.execute("SELECT clock_timestamp()").fetchone()
    conn.commit()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def read(standby: psycopg.Connection,
         day: dt.date) -> tuple[dt.datetime, int, int, list[dt.datetime]]:
    row = standby.execute(READING, (day,)).fetchone()
    assert row is not None and row[1] is not None
    return row  # type: ignore[return-value]


def ms(delta: dt.timedelta) -> float:
    return delta.total_seconds() * 1000


@pytest.fixture
def paused(pair: Pair) -> Iterator[psycopg.Connection]:
    """The standby's superuser connection; replay is resumed afterwards whatever happens."""
    with pair.on_standby(autocommit=True) as standby:
        try:
            yield standby
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")


# ahead_s 240: a publication stamped 4 minutes ahead (as_of_problem allows 5); its age still
# counts from when it was written, so it cannot hide the lag. A day each: the newest as_of of
# a race is what latest_signals shows, so a stamp ahead would mask the next test's publication.
@pytest.mark.parametrize(("ahead_s", "day"), [(0.0, DAY + dt.timedelta(days=1)),
                                              (240.0, DAY + dt.timedelta(days=2))])
def test_staleness_grows_while_replay_is_paused(
        pair: Pair, paused: psycopg.Connection, ahead_s: float, day: dt.date) -> None:
    standby = paused
    with pair.on_primary() as primary:
        before_old = clock(primary)
        old = publish(primary, day, ahead_s)
        wait_replayed(primary, standby)
        standby.execute("SELECT pg_wal_replay_pause()")
        wait_for(standby, "SELECT pg_get_wal_replay_pause_state() = 'paused'")
        publish(primary, day)
        committed = clock(primary)  # at or after the commit the standby now lacks
        lsn = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert lsn is not None
        wait_for(standby, "SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", (lsn[0],))

        first = read(standby, day)
        wait_for(standby, "SELECT min(staleness_ms) > %s FROM modeling.latest_signals "
                          "WHERE race_date = %s", (first[2], day))
        second = read(standby, day)

    for now, low, high, shown in (first, second):
        assert shown == [old]  # replay is paused: still the publication before the pause
        lag = ms(now - committed)  # measured on the same clock: at most the real lag
        assert low >= lag
        # and no older than the first publication's start (it was written after that)
        assert high <= ms(now - before_old) + 1
    assert second[1] > first[2]
    # it grew by exactly the time between the two reads (one publication's rows, ms rounding)
    assert abs((second[1] - first[1]) - ms(second[0] - first[0])) <= 1


def test_staleness_recovers_after_resume(pair: Pair, paused: psycopg.Connection) -> None:
    standby = paused
    day = DAY + dt.timedelta(days=3)
    with pair.on_primary() as primary:
        publish(primary, day)
        wait_replayed(primary, standby)
        standby.execute("SELECT pg_wal_replay_pause()")
        wait_for(standby, "SELECT pg_get_wal_replay_pause_state() = 'paused'")
        before_new = clock(primary)
        new = publish(primary, day)
        standby.execute("SELECT pg_wal_replay_resume()")
        wait_replayed(primary, standby)
        now, _low, high, shown = read(standby, day)
    assert shown == [new]
    assert high <= ms(now - before_new) + 1
