"""The long-running watcher is woken by NOTIFY: an alert raised while it waits (poll 60 s)
reaches the webhook within seconds."""

from __future__ import annotations

import threading
import time

import psycopg

from hrdpg import alerts_relay
from hrdpg.config import Settings
from tests.db.alerts.hooks import Hook, hook  # noqa: F401 (fixture)


def test_notification_wakes_the_watcher(db: Settings, conn: psycopg.Connection,
                                        hook: Hook) -> None:  # noqa: F811
    done = threading.Event()
    with psycopg.connect(db.conninfo(), autocommit=True) as relay_conn:
        worker = threading.Thread(target=alerts_relay.watch, kwargs={
            "conn": relay_conn, "url": hook.url, "retry": alerts_relay.Retry(backoff_s=0),
            "poll_s": 60.0, "log": lambda _m: None, "stop": done.is_set}, daemon=True)
        worker.start()
        conn.execute("SELECT modeling.raise_alert('critical', 'schedule', 'k', 'it broke')")
        conn.commit()
        deadline = time.monotonic() + 10
        while not hook.received and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the HTTP server's record, bounded by the deadline
        done.set()
        conn.execute("NOTIFY hrdpg_alerts")  # wake it to see the stop flag
        conn.commit()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert len(hook.received) == 1 and "it broke" in hook.received[0][1]["text"]
    assert conn.execute("SELECT delivered_at IS NOT NULL FROM modeling.alerts").fetchone() == (
        True,)
