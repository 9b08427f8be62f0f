"""`hrdpg` command line: one module per subcommand group."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hrdpg.cli import alerts as alerts_cmd
from hrdpg.cli import bets as bets_cmd
from hrdpg.cli import db as db_cmd
from hrdpg.cli import demo as demo_cmd
from hrdpg.cli import features as features_cmd
from hrdpg.cli import load as load_cmd
from hrdpg.cli import models as models_cmd
from hrdpg.cli import report as report_cmd
from hrdpg.cli import schedule as schedule_cmd
from hrdpg.cli import score as score_cmd
from hrdpg.cli import synth as synth_cmd
from hrdpg.cli import train as train_cmd
from hrdpg.errors import HrdpgError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hrdpg",
        description="Postgres-native horse-racing modeling engine.",
    )
    parser.add_argument(
        "--dsn",
        help="libpq connection string of an existing server (default: $HRDPG_DSN, "
        "else the embedded cluster)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_cmd.register(commands)
    demo_cmd.register(commands)
    load_cmd.register(commands)
    synth_cmd.register(commands)
    features_cmd.register(commands)
    models_cmd.register(commands)
    train_cmd.register(commands)
    score_cmd.register(commands)
    schedule_cmd.register(commands)
    bets_cmd.register(commands)
    alerts_cmd.register(commands)
    report_cmd.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.handler(args)
    except HrdpgError as exc:
        print(f"hrdpg: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hrdpg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `hrdpg models show 1 | head`: the reader left, say nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return result
