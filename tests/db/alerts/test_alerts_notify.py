"""New and escalated alerts NOTIFY hrdpg_alerts with their id; suppressed repeats do not."""

from __future__ import annotations

import json

import psycopg

from hrdpg.config import Settings


def test_notify_on_new_and_escalated_only(db: Settings, conn: psycopg.Connection) -> None:
    with psycopg.connect(db.conninfo(), autocommit=True) as listener:
        listener.execute("LISTEN hrdpg_alerts")
        ids = []
        for severity in ["warning", "warning", "critical", "info"]:
            row = conn.execute("SELECT modeling.raise_alert(%s, 'drift', 'k', 'msg')",
                               (severity,)).fetchone()
            conn.commit()
            assert row is not None
            ids.append(row[0])
        got = [json.loads(n.payload) for n in listener.notifies(timeout=5, stop_after=2)]
        # Nothing more is queued: the two suppressed repeats were silent.
        got += [json.loads(n.payload) for n in listener.notifies(timeout=0.2)]
    assert [(g["alert_id"], g["severity"], g["escalated"]) for g in got] == [
        (ids[0], "warning", False), (ids[0], "critical", True)]
    assert got[0]["category"] == "drift" and got[0]["message"] == "msg"
