"""`hrdpg bets limits show|set`: a risk profile's configured limits and its live state, both
from modeling.risk_state (the reader the risk manager uses), and changing the limits through
modeling.set_risk_limits (checked by the table's rules, all or nothing)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import psycopg

from hrdpg.cli.argtypes import decimal_number, iso_date, whole_number
from hrdpg.cli.bets_common import call, print_table, profile_or_default
from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError

# One flag per settable column of modeling.risk_limits (a test holds the two lists equal).
LIMITS: tuple[tuple[str, Callable[[str], Any], str], ...] = (
    ("bankroll", decimal_number, "configured bankroll; settled P&L adds to it"),
    ("kelly_multiplier", decimal_number, "fraction of full Kelly staked, in (0, 1]"),
    ("min_edge", decimal_number, "smallest edge (EV per unit) bet"),
    ("max_stake_fraction", decimal_number, "largest stake as a share of the bankroll"),
    ("max_stake_per_bet", decimal_number, "largest stake of one bet"),
    ("max_stake_per_race", decimal_number, "largest total stake on one race"),
    ("max_stake_per_day", decimal_number, "largest total stake of one race day"),
    ("max_bets_per_race", whole_number, "most bets on one race"),
    ("max_bets_per_day", whole_number, "most bets of one race day"),
    ("max_pending_exposure", decimal_number, "largest total of open stakes, all days"),
    ("daily_loss_limit", decimal_number, "what one day may lose, realised plus at risk"),
    ("bankroll_floor", decimal_number, "betting halts when bankroll now falls below it"),
    ("min_liquidity", decimal_number, "least volume behind a price"),
)
STATE = (("bankroll_now", "bankroll now (configured + settled P&L)"),
         ("realised_today", "P&L of the day's settled bets"),
         ("day_stake", "staked on the day (open + settled)"), ("day_bets", "bets on the day"),
         ("day_open", "open stakes of the day"), ("day_settled", "settled stakes of the day"),
         ("pending", "open stakes, all days"))


def register(sub: Any) -> None:
    p = sub.add_parser("limits", help="show or change a risk profile's limits")
    acts = p.add_subparsers(dest="limits_action", required=True, metavar="ACTION")
    sh = acts.add_parser("show", help="configured limits and the live risk state")
    sh.add_argument("--profile", help="risk profile (default: the engine's default profile)")
    sh.add_argument("--date", type=iso_date,
                    help="race day of the day figures (default: today, local time)")
    sh.set_defaults(handler=cmd_show)
    st = acts.add_parser("set", help="change limits of a profile (all or nothing)")
    st.add_argument("--profile", help="risk profile (default: the engine's default profile)")
    for name, kind, text in LIMITS:
        st.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, metavar="X",
                        help=text)
    st.set_defaults(handler=cmd_set)


def _local(at: dt.datetime | None) -> str:
    return "" if at is None else f"{at.astimezone():%Y-%m-%d %H:%M %Z}"


def show(conn: psycopg.Connection, profile: str, day: dt.date) -> None:
    cols, rows = call(conn, f"limits show {profile}",
                      "SELECT * FROM modeling.risk_state(%s, %s)", (profile, day))
    if not rows:
        raise HrdpgError(f"limits show: unknown risk profile {profile!r}; see "
                         "modeling.risk_limits for the profiles there are")
    r = dict(zip(cols, rows[0], strict=True))
    status = (f"HALTED since {_local(r['halted_at'])}: {r['halted_reason']}" if r["halted"]
              else "betting allowed")
    print(f"profile {profile}: {status}; limits updated {_local(r['updated_at'])} by "
          f"{r['updated_by']}")
    print_table(f"limits of {profile}", ["limit", "value"],
                [(name, r[name]) for name, _, _ in LIMITS])
    print_table(f"state of {profile} on {day}", ["figure", "value"],
                [(text, r[name]) for name, text in STATE])


def cmd_show(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        show(conn, profile_or_default(conn, args.profile), args.date or dt.date.today())
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    changes = {name: str(getattr(args, name)) for name, _, _ in LIMITS
               if getattr(args, name) is not None}
    if not changes:
        raise HrdpgError("limits set: name at least one limit to change, e.g. "
                         "--max-stake-per-bet 150 (hrdpg bets limits set --help)")
    with connect(load_settings(args.dsn)) as conn:
        profile = profile_or_default(conn, args.profile)
        call(conn, f"limits set {profile}", "SELECT modeling.set_risk_limits(%s, %s::jsonb)",
             (profile, json.dumps(changes)))
        show(conn, profile, dt.date.today())
    return 0
