"""`hrdpg alerts list|ack|watch`: read and acknowledge modeling.alerts, relay them to a
Slack-compatible webhook (see hrdpg/alerts_relay.py and docs/monitoring.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

from hrdpg import alerts_relay
from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError

LIST_SQL = """
SELECT alert_id, severity, category, dedup_key, left(message, 90) AS message,
       suppressed_count AS repeats, created_at, last_seen_at,
       delivered_at IS NOT NULL AS delivered, acknowledged_at
  FROM modeling.alerts
 WHERE %(all)s OR acknowledged_at IS NULL
 ORDER BY alert_id DESC LIMIT %(limit)s
"""


def register(commands: Any) -> None:
    p = commands.add_parser("alerts", help="list, acknowledge and relay alerts")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = sub.add_parser("list", help="open alerts, newest first")
    ls.add_argument("--all", action="store_true", help="acknowledged ones too")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(handler=cmd_list)
    ack = sub.add_parser("ack", help="acknowledge alerts (closes them)")
    ack.add_argument("alert_ids", type=int, nargs="+", metavar="ALERT_ID")
    ack.add_argument("--note", help="recorded with who acknowledged")
    ack.set_defaults(handler=cmd_ack)
    w = sub.add_parser("watch", help="LISTEN hrdpg_alerts and post undelivered alerts to a "
                       "Slack-compatible webhook")
    w.add_argument("--webhook", required=True, help="URL receiving POST {\"text\": ...}")
    w.add_argument("--once", action="store_true",
                   help="relay what is pending now and exit (1 if some stay pending)")
    w.add_argument("--attempts", type=int, default=4, help="tries per alert per pass")
    w.add_argument("--backoff", type=float, default=1.0,
                   help="seconds before the 2nd try, doubling after (default 1)")
    w.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout, seconds")
    w.add_argument("--poll", type=float, default=60.0,
                   help="seconds between passes without notifications (retries failed ones)")
    w.set_defaults(handler=cmd_watch)


def cmd_list(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        cur = conn.execute(LIST_SQL, {"all": args.all, "limit": args.limit})
        table = Table(title="alerts")
        for col in cur.description or []:
            table.add_column(col.name)
        for row in cur.fetchall():
            table.add_row(*("" if v is None else str(v) for v in row))
    Console(width=200).print(table)
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        for alert_id in args.alert_ids:
            try:
                row = conn.execute("SELECT modeling.ack_alert(%s, %s)",
                                   (alert_id, args.note)).fetchone()
            except psycopg.errors.NoDataFound as exc:
                raise HrdpgError(f"alert {alert_id} does not exist; nothing was acknowledged."
                                 " See `hrdpg alerts list --all`.") from exc
            done = bool(row and row[0])
            print(f"alert {alert_id}: {'acknowledged' if done else 'was already acknowledged'}")
        conn.commit()
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    url = alerts_relay.check_url(args.webhook)
    if args.attempts < 1 or args.backoff < 0 or args.poll <= 0:
        raise HrdpgError("--attempts must be >= 1, --backoff >= 0 and --poll > 0")
    retry = alerts_relay.Retry(attempts=args.attempts, backoff_s=args.backoff,
                               timeout_s=args.timeout)
    with connect(load_settings(args.dsn), autocommit=True) as conn:
        if args.once:
            delivered, failed = alerts_relay.relay_pending(conn, url, retry)
            print(f"delivered {delivered}, still pending {failed}")
            if failed:
                print(f"hrdpg: {failed} alert(s) not delivered; run again later",
                      file=sys.stderr)
                return 1
            return 0
        print(f"watching {alerts_relay.CHANNEL}; relaying to {url}", flush=True)
        alerts_relay.watch(conn, url, retry, args.poll, log=lambda m: print(m, flush=True))
    return 0
