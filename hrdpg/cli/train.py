"""`hrdpg train`: fit, calibrate, export and register a win model."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

from hrdpg import tracking
from hrdpg.cli import model_report
from hrdpg.cli.argtypes import iso_date, name_list
from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.trainer.windows import CALIBRATION_SHARE, STOP_SHARE, SplitRule


def register(commands: Any) -> None:
    p = commands.add_parser("train", help="train, calibrate, export and register a model")
    p.add_argument("--train-from", type=iso_date, required=True)
    p.add_argument("--train-to", type=iso_date, required=True)
    p.add_argument("--test-from", type=iso_date, required=True)
    p.add_argument("--test-to", type=iso_date, required=True)
    p.add_argument("--name", required=True, help="model name (lower case); version is next")
    p.add_argument("--with-market", action=argparse.BooleanOptionalAction, default=True,
                   help="use the market feature group as model inputs (default: yes)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--register", action=argparse.BooleanOptionalAction, default=True,
                   help="register the model after the parity check (default: yes)")
    p.add_argument("--promote", metavar="ALIAS", help="then point ALIAS at it")
    p.add_argument("--features", type=name_list, default=(), metavar="A,B,...",
                   help="train on these catalogue features only")
    p.add_argument("--exclude", type=name_list, default=(), metavar="A,B,...",
                   help="leave these catalogue features out")
    cal = p.add_mutually_exclusive_group()
    cal.add_argument("--calibration-share", type=float, default=CALIBRATION_SHARE,
                     metavar="S", help="share of the training window's races, at its end, for "
                     f"the temperature and blend fits (default {CALIBRATION_SHARE:g})")
    cal.add_argument("--calibrate-from", type=iso_date, metavar="DATE",
                     help="fit temperature and blend on DATE..--train-to instead")
    p.add_argument("--stop-share", type=float, default=STOP_SHARE, metavar="S",
                   help="share of the training window's races, just before the calibration "
                   f"slice, for early stopping (default {STOP_SHARE:g})")
    p.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True,
                   help="after early stopping, grow the trees again on the fit and stop slices "
                   "together (default: yes)")
    p.add_argument("--max-rounds", type=int, default=2000, help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_train)


def cmd_train(args: argparse.Namespace) -> int:
    from hrdpg.trainer.pipeline import TrainSpec, train  # LightGBM: only when training

    spec = TrainSpec(name=args.name, train_from=args.train_from, train_to=args.train_to,
                     test_from=args.test_from, test_to=args.test_to,
                     with_market=args.with_market, seed=args.seed, register=args.register,
                     promote=args.promote, max_rounds=args.max_rounds, refit=args.refit,
                     features=args.features, exclude=args.exclude,
                     split=SplitRule(stop_share=args.stop_share,
                                     calibration_share=args.calibration_share,
                                     calibrate_from=args.calibrate_from))
    with connect(load_settings(args.dsn)) as conn:
        result = train(conn, spec)
    console = Console(width=120)
    for part in model_report.report(result.metrics, result.params):
        console.print(part)
    bayes = result.metrics.get("bayes")
    if bayes:
        console.print(f"Bayes-optimal log loss {bayes['bayes_log_loss']:.5f}; "
                      f"model / Bayes = {bayes['ratio']:.4f}")
    console.print(f"parity max |diff| {result.parity_max_diff:.2e}")
    if result.model_id is not None:
        extra = f", alias {args.promote}" if args.promote else ""
        console.print(f"registered model {result.model_id} ({args.name}{extra})")
    run_id = tracking.log_training(args.name, result.model_id, result.params, result.metrics,
                                   result.artifact)
    if run_id:
        console.print(f"MLflow run {run_id}")
        if args.promote and result.model_id is not None and tracking.mirror_aliases(None):
            version = tracking.mirror_alias(result.model_id, args.name, args.promote)
            if version:
                console.print(f"MLflow alias {args.promote} -> {args.name} version {version}")
    return 0
