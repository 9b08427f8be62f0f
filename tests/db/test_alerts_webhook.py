"""`hrdpg alerts watch --once` against a real HTTP server on 127.0.0.1: retries through a
failing endpoint, leaves alerts pending while it is down and delivers them later."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings


class Hook(ThreadingHTTPServer):
    """Answers POSTs with the next status of `script` (then 200) and records the bodies."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.script: list[int] = []
        self.received: list[tuple[int, dict[str, Any]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class Handler(BaseHTTPRequestHandler):
    server: Hook

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.server.script.pop(0) if self.server.script else 200
        self.server.received.append((status, body))
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"down")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _watch(db: Settings, hook: Hook, attempts: int = 3) -> int:
    return main(["--dsn", db.conninfo(), "alerts", "watch", "--webhook", hook.url, "--once",
                 "--attempts", str(attempts), "--backoff", "0"])


def _undelivered(conn: psycopg.Connection) -> list[int]:
    rows = conn.execute("SELECT alert_id FROM modeling.alerts WHERE delivered_at IS NULL "
                        "ORDER BY 1").fetchall()
    conn.commit()
    return [r[0] for r in rows]


def test_retries_then_delivers(db: Settings, conn: psycopg.Connection, hook: Hook) -> None:
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
                                                     hook: Hook) -> None:
    ids = [conn.execute("SELECT modeling.raise_alert('warning', 'coverage', %s, 'low')",
                        (f"acceptance:{d}",)).fetchone() for d in (1, 2)]
    conn.commit()
    hook.script = [500] * 4  # down for this whole pass: 2 alerts x 2 attempts
    assert _watch(db, hook, attempts=2) == 1
    assert _undelivered(conn) == [i[0] for i in ids if i]
    assert _watch(db, hook, attempts=2) == 0
    assert _undelivered(conn) == []
    assert [s for s, _ in hook.received] == [500, 500, 500, 500, 200, 200]


def test_refuses_a_non_http_url(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dsn", db.conninfo(), "alerts", "watch", "--webhook", "file:///etc/passwd",
                 "--once"]) == 1
    assert "not an http(s) URL" in capsys.readouterr().err
