"""`hrdpg` command line: one module per subcommand group.

The subcommand modules import LightGBM, ONNX, NumPy/SciPy and Alembic inside the handlers that
use them: `hrdpg --help`, the database, scoring and betting commands start in a fraction of the
time and run where LightGBM's OpenMP runtime is absent (tests/unit/test_cli_imports.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import psycopg

from hrdpg.cli import alerts as alerts_cmd
from hrdpg.cli import backfill as backfill_cmd
from hrdpg.cli import backtest as backtest_cmd
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
from hrdpg.errors import HrdpgError, server_message


def _one_line(exc: BaseException) -> str:
    """What went wrong and what to do, in one line; `--debug` shows the traceback."""
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        first = (str(exc).strip().splitlines() or ["no reason given"])[0]
        return (f"cannot reach the database: {first}. Check --dsn / $HRDPG_DSN, or start the "
                "embedded cluster with `hrdpg db up`.")
    if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        return (f"the database refused: {server_message(exc)} This server only reads (a "
                "standby, `hrdpg db replica`): run writes against the primary (its --dsn).")
    if isinstance(exc, psycopg.Error):
        return f"the database refused: {server_message(exc)}"
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}:{where}. Check the path and its permissions."
    if isinstance(exc, HrdpgError):
        return str(exc)
    return (f"unexpected {type(exc).__name__}: {exc}. Run again with --debug for the "
            "traceback and report it.")


class OneLineParser(argparse.ArgumentParser):
    """Usage errors in one line too (argparse prints the usage first); subcommand parsers
    are made of this class as well."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}. See `{self.prog} --help`.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="hrdpg",
        description="Postgres-native horse-racing modeling engine.",
    )
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an error")
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
    backtest_cmd.register(commands)
    score_cmd.register(commands)
    backfill_cmd.register(commands)
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
    except BrokenPipeError:  # `hrdpg models show 1 | head`: the reader left, say nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("hrdpg: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure ends in one line; --debug re-raises
        if args.debug:
            raise
        text = " ".join(_one_line(exc).split())  # one line, whatever the message held
        print(f"hrdpg: error: {text}", file=sys.stderr)
        return 1
    return result
