"""`hrdpg alerts watch --once` against a real HTTP server on 127.0.0.1: retries through a
failing endpoint, leaves alerts pending while it is down and delivers them later."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.db.alerts.hooks import Hook, hook  # noqa: F401 (fixture)


def _watch(db: Settings, endpoint: Hook, attempts: int = 3) -> int:
    return main(["--dsn", db.conninfo(), "alerts", "watch", "--webhook", endpoint.url, "--once",
                 "--attempts", str(attempts), "--backoff", "0"])


def _undelivered(conn: psycopg.Connection) -> list[int]:
    rows = conn.execute("SELECT alert_id FROM modeling.alerts WHERE delivered_at IS NULL "
                        "ORDER BY 1").fetchall()
    conn.commit()
    return [r[0] for r in rows]


def test_retries_then_delivers(db: Settings, conn: psycopg.Connection,
                               hook: Hook) -> None:  # noqa: F811
    row = conn.execute("SELECT modeling.raise_alert('critical', 'drift', 'model:1:drift', "
                       "'major drift in age')").fetchone()
    conn.commit()
    assert row is not None
    hook.script = [500, 503]  # down twice, then up
    assert _watch(db, hook) == 0
    assert [s for s, _ in hook.received] == [500, 503, 200]
    text = hook.received[-1][1]["text"]
    assert "CRITICAL" in text and "major drift in age" in text and f"alert {row[0]}" in text
    assert _undelivered(conn) == []
    assert _watch(db, hook) == 0 and len(hook.received) == 3  # nothing sent twice


def test_down_endpoint_keeps_alerts_until_it_is_back(db: Settings, conn: psycopg.Connection,
                                                     hook: Hook) -> None:  # noqa: F811
    ids = [conn.execute("SELECT modeling.raise_alert('warning', 'coverage', %s, 'low')",
                        (f"acceptance:{d}",)).fetchone() for d in (1, 2)]
    conn.commit()
    hook.script = [500] * 2  # down for this whole pass: one grouped post x 2 attempts
    assert _watch(db, hook, attempts=2) == 1
    assert _undelivered(conn) == [i[0] for i in ids if i]
    assert _watch(db, hook, attempts=2) == 0
    assert _undelivered(conn) == []
    assert [s for s, _ in hook.received] == [500, 500, 200]


def test_pending_alerts_of_a_kind_are_one_post(db: Settings, conn: psycopg.Connection,
                                               hook: Hook) -> None:  # noqa: F811
    keys = [f"production:2019-05-0{d}" for d in range(1, 4)]
    for key in keys:
        conn.execute("SELECT modeling.raise_alert('critical', 'dq', %s, %s)", (key, key))
    conn.execute("SELECT modeling.raise_alert('warning', 'dq', 'other', 'a warning')")
    conn.execute("SELECT modeling.raise_alert('critical', 'dq', %s, 'again')", (keys[0],))
    conn.commit()
    assert _watch(db, hook) == 0
    texts = [body["text"] for _, body in hook.received]
    assert len(texts) == 2 and texts[0].startswith("[CRITICAL] hrdpg dq: 3 alerts")
    assert all(k in texts[0] for k in keys[1:]) and "again (seen 2 times)" in texts[0]
    assert texts[1].startswith("[WARNING]") and _undelivered(conn) == []


def test_refuses_a_non_http_url(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dsn", db.conninfo(), "alerts", "watch", "--webhook", "file:///etc/passwd",
                 "--once"]) == 1
    assert "not an http(s) URL" in capsys.readouterr().err
