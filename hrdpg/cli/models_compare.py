"""`hrdpg models compare A B`: windows, features, blend and test figures side by side, and the
paired difference over the races both models published."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from hrdpg.cli.argtypes import iso_date
from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError


def register(sub: Any) -> None:
    p = sub.add_parser("compare", help="two models side by side and their paired difference "
                       "over the races both published")
    p.add_argument("model_a", metavar="A", help="model id or name:version")
    p.add_argument("model_b", metavar="B", help="model id or name:version")
    p.add_argument("--from", dest="date_from", type=iso_date, metavar="DATE",
                   help="only races from this day (default: all both published)")
    p.add_argument("--to", dest="date_to", type=iso_date, metavar="DATE",
                   help="only races up to this day")
    p.add_argument("--score", action="store_true",
                   help="first score --from..--to with both models in the database (under "
                   "the backtest alias, never production)")
    p.add_argument("--seed", type=int, default=1, help="bootstrap seed")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="with --score: backends scoring side by side (as hrdpg backfill "
                        "--jobs; default: this machine's cores for the embedded cluster, else 1)")
    p.set_defaults(handler=cmd_compare)


def _window(w: tuple[Any, Any]) -> str:
    return "" if w[0] is None else f"{w[0]}..{w[1]}"


def _num(v: Any, fmt: str) -> str:
    return "" if v is None else format(v, fmt)


ROWS: tuple[tuple[str, Any], ...] = (
    ("model id", lambda s: str(s["model_id"])),
    ("train window", lambda s: _window(s["train"])),
    ("calibration slice", lambda s: _window(s["calibrate"])),
    ("test window", lambda s: _window(s["test"])),
    ("features", lambda s: str(len(s["features"]))),
    ("feature version", lambda s: s["feature_version"]),
    ("market inputs", lambda s: {True: "yes", False: "no"}.get(s["with_market"], "")),
    ("blend alpha (model)", lambda s: _num(s["alpha"], ".4f") or "no blend"),
    ("blend beta (market)", lambda s: _num(s["beta"], ".4f")),
    ("test log loss, published", lambda s: _num(s["test_log_loss"], ".5f")),
    ("test pseudo-R2, published", lambda s: _num(s["test_pseudo_r2"], ".4f")),
    ("published source", lambda s: s["test_source"] or ""),
)


def render(result: dict[str, Any], console: Console) -> None:
    a, b = result["a"], result["b"]
    t = Table(title="models side by side (test figures: the trainer's, on each own test window)")
    for col in ("", f"A {a['label']}", f"B {b['label']}"):
        t.add_column(col)
    for label, get in ROWS:
        t.add_row(label, get(a), get(b))
    console.print(t)
    only_a = [n for n in a["features"] if n not in set(b["features"])]
    only_b = [n for n in b["features"] if n not in set(a["features"])]
    console.print(f"features only in A: {', '.join(only_a) or 'none'}")
    console.print(f"features only in B: {', '.join(only_b) or 'none'}")
    pair = result["paired"]
    span = (f" between {result['from'] or 'the start'} and {result['to'] or 'the end'}"
            if result["from"] or result["to"] else "")
    if pair is None:
        console.print(f"no race{span} was published by both with the same runners and a "
                      "result: nothing to pair (score a common range first)")
        return
    d = pair["a_minus_b"]
    console.print(
        f"paired over {pair['races']} races{span} both published (same runners, winner known): "
        f"log loss A {pair['log_loss_a']:.5f}, B {pair['log_loss_b']:.5f}, A - B "
        f"{pair['log_loss_a_minus_b']:+.5f}; pseudo-R2 A {pair['a']['pseudo_r2']:.4f}, "
        f"B {pair['b']['pseudo_r2']:.4f}, A - B {d['pseudo_r2']:+.4f} "
        f"({100 * pair['level']:g}% interval {d['lo']:+.4f} .. {d['hi']:+.4f}, "
        f"{pair['resamples']} paired race resamples, seed {pair['seed']})")


def cmd_compare(args: argparse.Namespace) -> int:
    from hrdpg.backtest.compare import compare, resolve

    settings = load_settings(args.dsn)
    with connect(settings) as conn:
        if args.score:
            if args.date_from is None or args.date_to is None:
                raise HrdpgError("--score needs --from and --to: the days to score both on")
            if args.date_from > args.date_to:
                raise HrdpgError(f"--from {args.date_from} is after --to {args.date_to}")
            from hrdpg.backfill import default_jobs
            from hrdpg.backtest.walk import score_models

            ids = [resolve(conn, args.model_a), resolve(conn, args.model_b)]
            jobs = args.jobs if args.jobs is not None else default_jobs(settings.embedded)
            score_models(conn, settings.conninfo(), ids, args.date_from, args.date_to, jobs)
        result = compare(conn, args.model_a, args.model_b, args.date_from, args.date_to,
                         args.seed)
    render(result, Console(width=140))
    return 0
