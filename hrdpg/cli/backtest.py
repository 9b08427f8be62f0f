"""`hrdpg backtest`: walk-forward evaluation against the closing market, printed and stored."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from hrdpg import tracking
from hrdpg.backfill import default_jobs
from hrdpg.cli.argtypes import iso_date, name_list, whole_number
from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.trainer.windows import CALIBRATION_SHARE, STOP_SHARE, SplitRule

if TYPE_CHECKING:
    from hrdpg.backtest.periods import Period
    from hrdpg.backtest.walk import PeriodResult

PERIODS = ("year", "quarter", "month")
COLUMNS = ("period", "trained to", "model", "races", "model R2", "market R2", "blend R2",
           "model-market [95% interval]", "blend-market [95% interval]", "ECE", "train s",
           "score s")


def register(commands: Any) -> None:
    p = commands.add_parser("backtest", help="walk-forward: retrain per period, score it in "
                            "the database, compare with the closing market")
    p.add_argument("--from", dest="date_from", type=iso_date, required=True, metavar="DATE",
                   help="first day of the first scored period")
    p.add_argument("--to", dest="date_to", type=iso_date, required=True, metavar="DATE",
                   help="last day of the last scored period")
    p.add_argument("--period", choices=PERIODS, required=True,
                   help="retrain every calendar year, quarter or month")
    p.add_argument("--train-from", type=iso_date, required=True, metavar="DATE",
                   help="every period trains from this day to the day before it")
    p.add_argument("--name", required=True, help="backtest and model name (lower case); "
                   "each period registers the next version")
    p.add_argument("--with-market", action=argparse.BooleanOptionalAction, default=True,
                   help="use the market feature group as model inputs (default: yes)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--features", type=name_list, default=(), metavar="A,B,...",
                   help="train on these catalogue features only")
    p.add_argument("--exclude", type=name_list, default=(), metavar="A,B,...",
                   help="leave these catalogue features out")
    p.add_argument("--calibration-share", type=float, default=CALIBRATION_SHARE, metavar="S",
                   help=f"as for train (default {CALIBRATION_SHARE:g})")
    p.add_argument("--stop-share", type=float, default=STOP_SHARE, metavar="S",
                   help=f"as for train (default {STOP_SHARE:g})")
    p.add_argument("--max-rounds", type=int, default=2000, help=argparse.SUPPRESS)
    p.add_argument("--jobs", type=whole_number, metavar="N",
                   help="backends scoring each period side by side (as hrdpg backfill --jobs; "
                        "default: this machine's cores for the embedded cluster, else 1)")
    p.set_defaults(handler=cmd_backtest)


def _diff(e: dict[str, Any]) -> str:
    return f"{e['pseudo_r2']:+.4f} [{e['lo']:+.4f}, {e['hi']:+.4f}]"


def figures_row(label: str, trained_to: str, model: str, s: dict[str, Any],
                train_s: float, score_s: float) -> list[str]:
    return [label, trained_to, model, str(s["races"]), f"{s['model']['pseudo_r2']:.4f}",
            f"{s['market']['pseudo_r2']:.4f}", f"{s['blend']['pseudo_r2']:.4f}",
            _diff(s["model_minus_market"]), _diff(s["blend_minus_market"]),
            f"{s['calibration']['ece']:.4f}", f"{train_s:.1f}", f"{score_s:.1f}"]


def table(rows: list[list[str]], title: str) -> Table:
    t = Table(title=title)
    for c in COLUMNS:
        t.add_column(c, justify="left" if c in ("period", "trained to") else "right")
    for r in rows:
        t.add_row(*r)
    return t


def cmd_backtest(args: argparse.Namespace) -> int:
    from hrdpg.backtest.walk import BacktestSpec, Hooks, run  # LightGBM: only when training

    spec = BacktestSpec(name=args.name, date_from=args.date_from, date_to=args.date_to,
                        period=args.period, train_from=args.train_from,
                        with_market=args.with_market, seed=args.seed, features=args.features,
                        exclude=args.exclude, max_rounds=args.max_rounds,
                        split=SplitRule(stop_share=args.stop_share,
                                        calibration_share=args.calibration_share),
                        jobs=args.jobs if args.jobs is not None else default_jobs(
                            load_settings(args.dsn).embedded))
    console = Console(width=200)
    rows: list[list[str]] = []
    show = sys.stderr.isatty()

    def started(run_id: int, earlier: list[int], periods: list[Period]) -> None:
        again = (f"; earlier runs named {args.name}: {', '.join(map(str, earlier))}"
                 if earlier else "")
        console.print(f"backtest {args.name}: run {run_id}, {len(periods)} {args.period} "
                      f"period(s) {periods[0].date_from}..{periods[-1].date_to}, training "
                      f"from {args.train_from}{again}; refreshing the features of "
                      f"{args.train_from}..{periods[-1].date_to} once for every period ...")

    def refreshed(seconds: float) -> None:
        console.print(f"features refreshed in {seconds:.1f} s")

    def training(p: Period, train_to: dt.date) -> None:
        console.print(f"period {p.no} {p.label}: training on {args.train_from}..{train_to}, "
                      f"then scoring {p.date_from}..{p.date_to} in the database ...")

    def done(r: PeriodResult) -> None:
        s = r.summary
        rows.append(figures_row(r.period.label, str(r.train_to), str(r.model_id), s,
                                r.train_seconds, r.score_seconds))
        console.print(f"period {r.period.no} {r.period.label}: model {r.model_id}, trained in "
                      f"{r.train_seconds:.1f} s, scored in {r.score_seconds:.1f} s; "
                      f"{s['races']} races: pseudo-R2 model {s['model']['pseudo_r2']:.4f}, "
                      f"market {s['market']['pseudo_r2']:.4f}, blend "
                      f"{s['blend']['pseudo_r2']:.4f}; blend - market "
                      f"{_diff(s['blend_minus_market'])}")

    settings = load_settings(args.dsn)
    with connect(settings) as conn:
        run_id, finished, overall = run(conn, settings.conninfo(), spec,
                                        Hooks(started, training, done, refreshed), show=show)
    rows.append(figures_row("overall", "", "", overall, overall["train_seconds"],
                            overall["score_seconds"]))
    console.print(table(rows, f"backtest {args.name} run {run_id}: pseudo-R2 = 1 - logL/"
                              "logL(1/field) of the published probabilities (model), the "
                              "closing market and a cross-fitted blend; 95% race-bootstrap "
                              "intervals"))
    console.print("calibration of the model, overall (deciles of predicted probability):")
    for d in overall["calibration"]["deciles"]:
        console.print(f"  {d['lo']:.4f}..{d['hi']:.4f}  n {d['n']:>6}  mean predicted "
                      f"{d['mean_p']:.4f}  observed {d['win_rate']:.4f}")
    console.print(f"stored as modeling.backtest_runs run_id {run_id} "
                  f"({len(finished)} rows in modeling.backtest_periods)")
    mlflow_run = tracking.log_backtest(
        args.name, run_id, spec.described(),
        [tracking.PeriodRecord(r.period.label, r.model_id, r.train_to.isoformat(), r.summary)
         for r in finished], overall)
    if mlflow_run:
        console.print(f"MLflow run {mlflow_run}")
    return 0
