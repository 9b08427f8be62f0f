"""`hrdpg bets propose|settle|pnl|resume|limits`: the bet ledger from the command line.

Each action is one call of a modeling.* function in its own transaction (docs/bets.md)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from hrdpg.cli import bets_limits
from hrdpg.cli.argtypes import iso_date, iso_timestamp
from hrdpg.cli.bets_common import call, print_table, profile_or_default
from hrdpg.config import load_settings
from hrdpg.db import connect

# The ledger function's rows with the horse's name (else its id) in place of horse_id.
# Names by a lateral probe per row (OFFSET 0: see hrdpg/scoring_client.py).
PROPOSE_SQL = """
SELECT p.bet_id, p.race_id, coalesce(n.horse_name, p.horse_id::text) AS horse, p.bet_type,
       p.stake, p.odds, p.edge, p.status, p.reject_reason
  FROM modeling.propose_bets(%s, %s, %s, %s) WITH ORDINALITY p
  LEFT JOIN LATERAL (SELECT * FROM modeling.src_runner_names n WHERE n.race_id = p.race_id
                     AND n.horse_id = p.horse_id OFFSET 0) n ON true
 ORDER BY p.ordinality
"""


def register(commands: Any) -> None:
    p = commands.add_parser("bets", help="bet ledger: propose, settle, P&L and CLV, resume, "
                                         "risk limits")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    pr = sub.add_parser("propose", help="record the day's bets through the risk manager")
    pr.add_argument("date", type=iso_date, help="race date, YYYY-MM-DD")
    pr.add_argument("--profile", help="risk profile (modeling.risk_limits; default: the "
                                      "engine's default profile)")
    when = pr.add_mutually_exclusive_group()
    when.add_argument("--as-of", type=iso_timestamp, help="signals and races as of (default: now)")
    when.add_argument("--replay", action="store_true",
                      help="newest signals whatever the off time (backtests)")
    pr.add_argument("--live", action="store_true",
                    help="record as live bets (dry_run false); nothing is sent anywhere")
    pr.set_defaults(handler=cmd_propose)
    st = sub.add_parser("settle", help="settle the day's bets from results (re-runnable)")
    st.add_argument("date", type=iso_date, help="race date, YYYY-MM-DD")
    st.set_defaults(handler=cmd_settle)
    pn = sub.add_parser("pnl", help="P&L per day and CLV over a window")
    pn.add_argument("--from", dest="from_date", type=iso_date, required=True)
    pn.add_argument("--to", dest="to_date", type=iso_date, required=True)
    pn.add_argument("--profile", help="risk profile (default: the engine's default profile)")
    pn.set_defaults(handler=cmd_pnl)
    rs = sub.add_parser("resume", help="lift a halt after review")
    rs.add_argument("profile")
    rs.set_defaults(handler=cmd_resume)
    bets_limits.register(sub)


def cmd_propose(args: argparse.Namespace) -> int:
    as_of = None if args.replay else (args.as_of or dt.datetime.now(dt.UTC))
    with connect(load_settings(args.dsn)) as conn:
        profile = profile_or_default(conn, args.profile)
        cols, rows = call(conn, f"propose_bets {args.date}", PROPOSE_SQL,
                          (args.date, profile, as_of, not args.live))
    accepted = sum(1 for r in rows if r[cols.index("status")] != "rejected")
    print_table(f"{args.date} ({profile}): {accepted} bets, {len(rows) - accepted} rejected "
                "recorded now", cols, rows)
    return 0


def cmd_settle(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        cols, rows = call(conn, f"settle {args.date}", "SELECT * FROM modeling.settle(%s)",
                          (args.date,))
    print_table(f"{args.date}: settlement", cols, rows)
    return 0


def cmd_pnl(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        profile = profile_or_default(conn, args.profile)
        cols, rows = call(
            conn, "pnl",
            "SELECT race_date, bets, rejected, open, voided, staked, returned, pnl, roi, "
            "mean_clv_odds::float8, mean_clv_prob::float8 FROM modeling.bets_pnl_daily "
            "WHERE profile = %s AND race_date BETWEEN %s AND %s ORDER BY race_date",
            (profile, args.from_date, args.to_date))
        print_table(f"P&L per day ({profile})", cols, rows)
        cols, rows = call(conn, "clv_summary",
                          "SELECT * FROM modeling.clv_summary(%s, %s, %s)",
                          (args.from_date, args.to_date, profile))
    print_table(f"CLV {args.from_date}..{args.to_date} ({profile})", cols, rows)
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        _, rows = call(conn, f"resume {args.profile}",
                       "SELECT modeling.resume_betting(%s)", (args.profile,))
    print(f"profile {args.profile}: " + ("resumed" if rows[0][0] else "was not halted"))
    return 0
