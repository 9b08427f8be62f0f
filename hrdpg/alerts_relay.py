"""Relay of modeling.alerts to a Slack-compatible webhook (POST JSON {"text": ...}).

The database is the queue: an alert is pending while delivered_at is NULL (and it is not
acknowledged). Each pending alert is posted with retries and exponential backoff and marked
delivered only after a 2xx answer, so an endpoint that is down loses nothing: the alert stays
pending for the next pass. NOTIFY hrdpg_alerts only wakes the watcher early. The pending
alerts of one category and severity go out as one post with a count (a backfill that finds
thirty bad days is one message, not thirty); repeats of one alert are counted by raise_alert.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

import psycopg

from hrdpg.errors import HrdpgError

CHANNEL = "hrdpg_alerts"
GROUP_LINES = 10  # alerts quoted in a grouped post; the rest are counted
PENDING_SQL = """
SELECT alert_id, severity, category, dedup_key, message, suppressed_count, created_at
  FROM modeling.alerts
 WHERE delivered_at IS NULL AND acknowledged_at IS NULL
 ORDER BY alert_id
"""


@dataclass(frozen=True)
class Retry:
    attempts: int = 4
    backoff_s: float = 1.0  # waits backoff, 2x backoff, 4x ... between attempts
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Alert:
    alert_id: int
    severity: str
    category: str
    dedup_key: str
    message: str
    suppressed_count: int
    created_at: object

    def text(self) -> str:
        repeats = f" (seen {self.suppressed_count + 1} times)" if self.suppressed_count else ""
        return (f"[{self.severity.upper()}] hrdpg {self.category}: {self.message}{repeats} "
                f"(alert {self.alert_id}, key {self.dedup_key})")


def group_text(alerts: list[Alert]) -> str:
    """One post for alerts of one category and severity (the alert's own text when alone)."""
    if len(alerts) == 1:
        return alerts[0].text()
    first = alerts[0]
    lines = [f"- {a.message}" + (f" (seen {a.suppressed_count + 1} times)"
                                  if a.suppressed_count else "") + f" (alert {a.alert_id})"
             for a in alerts[:GROUP_LINES]]
    more = len(alerts) - GROUP_LINES
    return (f"[{first.severity.upper()}] hrdpg {first.category}: {len(alerts)} alerts\n"
            + "\n".join(lines) + (f"\n... and {more} more" if more > 0 else ""))


def grouped(alerts: list[Alert]) -> list[list[Alert]]:
    """Pending alerts by (category, severity), groups in the order of their first alert."""
    groups: dict[tuple[str, str], list[Alert]] = {}
    for a in alerts:
        groups.setdefault((a.category, a.severity), []).append(a)
    return list(groups.values())


def check_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise HrdpgError(f"webhook {url!r} is not an http(s) URL; pass e.g. "
                         "https://hooks.slack.com/services/...")
    return url


def post(url: str, text: str, timeout_s: float) -> None:
    """POST {"text": text}; raises OSError (URLError/HTTPError included) unless 2xx."""
    body = json.dumps({"text": text}).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310 (checked URL)
        if not 200 <= resp.status < 300:
            raise OSError(f"webhook answered {resp.status}")


def pending(conn: psycopg.Connection) -> list[Alert]:
    return [Alert(*row) for row in conn.execute(PENDING_SQL).fetchall()]


def deliver(conn: psycopg.Connection, url: str, alerts: list[Alert], retry: Retry,
            sleep: Callable[[float], None] = time.sleep) -> str | None:
    """Post a group of alerts as one message with retries; on success mark each delivered.
    Returns the last error."""
    error = None
    for attempt in range(retry.attempts):
        if attempt:
            sleep(retry.backoff_s * 2 ** (attempt - 1))
        try:
            post(url, group_text(alerts), retry.timeout_s)
        except OSError as exc:
            error = str(exc)
            continue
        for alert in alerts:
            conn.execute("SELECT modeling.alert_delivered(%s, %s)",
                         (alert.alert_id, alert.severity))
        return None
    return error


def relay_pending(conn: psycopg.Connection, url: str, retry: Retry,
                  sleep: Callable[[float], None] = time.sleep,
                  log: Callable[[str], None] = print) -> tuple[int, int]:
    """One pass over the pending alerts; returns (delivered, still pending)."""
    delivered = failed = 0
    for group in grouped(pending(conn)):
        ids = ", ".join(str(a.alert_id) for a in group)
        what = f"({group[0].severity} {group[0].category})"
        error = deliver(conn, url, group, retry, sleep)
        if error is None:
            delivered += len(group)
            log(f"delivered alert {ids} {what}")
        else:
            failed += len(group)
            log(f"alert {ids} {what} not delivered after {retry.attempts} attempts "
                f"({error}); it stays pending")
    return delivered, failed


def watch(conn: psycopg.Connection, url: str, retry: Retry, poll_s: float,
          log: Callable[[str], None] = print,
          stop: Callable[[], bool] = lambda: False) -> None:
    """LISTEN and relay until stop(): on every notification, and every poll_s seconds so
    alerts that failed earlier are retried. conn must be in autocommit mode."""
    conn.execute(f"LISTEN {CHANNEL}")
    while not stop():
        relay_pending(conn, url, retry, log=log)
        for _ in conn.notifies(timeout=poll_s, stop_after=1):
            pass
