"""`hrdpg train`: fit, calibrate, export and register a win model."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from hrdpg.cli.argtypes import iso_date
from hrdpg.config import load_settings
from hrdpg.db import connect

if TYPE_CHECKING:
    from hrdpg.trainer.pipeline import TrainResult


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
    p.add_argument("--features", type=_names, default=(), metavar="A,B,...",
                   help="train on these catalogue features only")
    p.add_argument("--exclude", type=_names, default=(), metavar="A,B,...",
                   help="leave these catalogue features out")
    p.add_argument("--max-rounds", type=int, default=2000, help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_train)


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def summary(result: TrainResult) -> Table:
    t = Table(title="test period", show_header=True)
    for col in ("", "log loss", "pseudo-R2", "ECE", "Brier", "races"):
        t.add_column(col)
    test = result.metrics["test"]
    rows = [("model", test["model"], test["races"])]
    for key, label in (("market_on_priced", "market*"), ("model_on_priced", "model*"),
                       ("blend_on_priced", "blend*")):
        if key in test:
            rows.append((label, test[key], test["priced_races"]))
    for label, m, races in rows:
        t.add_row(label, f"{m['log_loss']:.5f}", f"{m['pseudo_r2']:.4f}", f"{m['ece']:.4f}",
                  f"{m['brier']:.5f}", str(races))
    return t


def cmd_train(args: argparse.Namespace) -> int:
    from hrdpg.trainer.pipeline import TrainSpec, train  # LightGBM: only when training

    spec = TrainSpec(name=args.name, train_from=args.train_from, train_to=args.train_to,
                     test_from=args.test_from, test_to=args.test_to,
                     with_market=args.with_market, seed=args.seed, register=args.register,
                     promote=args.promote, max_rounds=args.max_rounds,
                     features=args.features, exclude=args.exclude)
    with connect(load_settings(args.dsn)) as conn:
        result = train(conn, spec)
    console = Console()
    dropped = result.params["features_dropped_all_null"]
    if dropped:
        console.print(f"warning: left out (no value in the training window): "
                      f"{', '.join(dropped)}")
    console.print(f"features ({len(result.params['features'])}): "
                  f"{', '.join(result.params['features'])}")
    console.print(summary(result))
    bayes = result.metrics.get("bayes")
    if bayes:
        console.print(f"Bayes-optimal log loss {bayes['bayes_log_loss']:.5f}; "
                      f"model / Bayes = {bayes['ratio']:.4f}")
    console.print(f"parity max |diff| {result.parity_max_diff:.2e}; "
                  f"best iteration {result.params['best_iteration']}; "
                  f"temperature {result.params['temperature']:.4f}")
    if result.model_id is not None:
        extra = f", alias {args.promote}" if args.promote else ""
        console.print(f"registered model {result.model_id} ({args.name}{extra})")
    console.print("* races where every runner has a market price")
    return 0
