"""Two propose_bets calls for one profile run one after the other (advisory lock), so together
they cannot exceed a limit either would respect alone: here the pending exposure."""

from __future__ import annotations

import datetime as dt
import threading
import time

import psycopg

from tests.db.bets import world as w


def test_second_caller_waits_and_sees_the_first(conn: psycopg.Connection) -> None:
    m, _, _ = w.card(conn)
    day2 = w.DAY + dt.timedelta(days=1)
    off2 = w.OFF + dt.timedelta(days=1)
    for h in w.race(conn, 5, 6, off=off2, day=day2)[:3]:
        w.odds(conn, 5, h, w.MORNING + dt.timedelta(days=1), 5.0)
        w.signal(conn, m, 5, h, 0.3, 5.0, as_of=w.MORNING + dt.timedelta(days=1), off=off2)
    w.limits(conn, max_pending_exposure=300)
    conn.commit()

    info = conn.info
    first = psycopg.connect(info.dsn, password=info.password)
    second = psycopg.connect(info.dsn, password=info.password)
    try:
        first.execute("SELECT * FROM modeling.propose_bets(%s, as_of => %s)",
                      (w.DAY, w.MORNING)).fetchall()  # holds the lock until commit
        pid = second.info.backend_pid
        done: list[int] = []
        worker = threading.Thread(target=lambda: done.append(len(second.execute(
            "SELECT * FROM modeling.propose_bets(%s, as_of => %s)",
            (day2, w.MORNING + dt.timedelta(days=1))).fetchall())))
        worker.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            row = conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                               (pid,)).fetchone()
            conn.commit()
            if row and row[0] == "Lock":
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the second call never waited on the profile lock")
        first.commit()
        worker.join(timeout=30)
        second.commit()
        assert done == [3]
    finally:
        first.close()
        second.close()
    pending = conn.execute("SELECT sum(stake) FROM modeling.bets WHERE status = 'proposed'"
                           ).fetchone()
    assert pending is not None and pending[0] <= 300
    reasons = conn.execute("SELECT reject_reason, count(*) FROM modeling.bets WHERE "
                           "race_date = %s GROUP BY 1", (day2,)).fetchall()
    assert reasons == [("max_pending_exposure", 3)]
