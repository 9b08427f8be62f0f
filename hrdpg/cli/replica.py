"""`hrdpg db replica up|down|status`: a streaming standby of the embedded cluster for the API."""

from __future__ import annotations

import argparse
from typing import Any

from hrdpg import replica, replica_status
from hrdpg.config import Settings, load_settings
from hrdpg.errors import HrdpgError


def register(db_actions: Any) -> None:
    rep = db_actions.add_parser(
        "replica", help="a streaming standby of the embedded cluster (read-only, for the API)")
    sub = rep.add_subparsers(dest="replica_command", required=True, metavar="ACTION")
    up = sub.add_parser("up", help="make (once) and start the standby: base backup, "
                                   "replication slot, hot standby")
    up.add_argument("--port", type=int,
                    help="the standby's port (default: the primary's + 1; kept once made)")
    up.set_defaults(handler=cmd_up)
    sub.add_parser("down", help="stop the standby, drop its slot and remove its copy"
                   ).set_defaults(handler=cmd_down)
    sub.add_parser("status", help="running?, replay lag in bytes and time, slot"
                   ).set_defaults(handler=cmd_status)


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.dsn)
    if not settings.embedded:
        raise HrdpgError("`hrdpg db replica` makes a standby of the embedded cluster only; for "
                         "your own server follow docs/scaling.md (pg_basebackup -R with a slot), "
                         "or unset HRDPG_DSN")
    return settings


def cmd_up(args: argparse.Namespace) -> int:
    replica.up(_settings(args), args.port)
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    replica.down(_settings(args))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    found = replica_status.status(_settings(args))
    print(found.render())
    return 0 if found.healthy else 3
