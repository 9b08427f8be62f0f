"""`hrdpg models ...`: list, show, promote, rollback, export-file (compare: models_compare)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hrdpg import tracking
from hrdpg.cli import model_report, models_compare
from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.registry import store


def register(commands: Any) -> None:
    models = commands.add_parser("models", help="model registry: list, show, promote, rollback")
    sub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="registered models and their aliases").set_defaults(
        handler=cmd_list)
    show = sub.add_parser("show", help="one model: lineage, windows, metrics, parameters")
    show.add_argument("model_id", type=int)
    show.add_argument("--json", action="store_true",
                      help="the whole registry record as JSON instead of the summary")
    show.set_defaults(handler=cmd_show)
    promote = sub.add_parser("promote", help="point an alias at a model")
    promote.add_argument("model_id", type=int)
    promote.add_argument("--alias", default="production")
    promote.add_argument("--note")
    _mlflow_flag(promote)
    promote.set_defaults(handler=cmd_promote)
    rollback = sub.add_parser("rollback", help="undo the alias's most recent change")
    rollback.add_argument("--alias", default="production")
    rollback.add_argument("--note")
    _mlflow_flag(rollback)
    rollback.set_defaults(handler=cmd_rollback)
    export = sub.add_parser("export-file", help="write a model's ONNX file (sha256 checked)")
    export.add_argument("model_id", type=int)
    export.add_argument("path", type=Path)
    export.set_defaults(handler=cmd_export)
    models_compare.register(sub)


def _mlflow_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mlflow-alias", action=argparse.BooleanOptionalAction, default=None,
                   help="mirror the alias to the MLflow registered model of the same name "
                        f"(default: ${tracking.ALIASES_ENV}=1; needs ${tracking.URI_ENV})")


def _mirror(conn: Any, args: argparse.Namespace, model_id: int) -> None:
    if tracking.mirror_aliases(args.mlflow_alias):
        name = store.show_model(conn, model_id)["name"]
        version = tracking.mirror_alias(model_id, name, args.alias)
        if version:
            print(f"MLflow alias {args.alias} -> {name} version {version}")


def cmd_list(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        rows = store.list_models(conn)
    table = Table()
    for col in ("id", "name", "version", "aliases", "feature version",
                "published test log loss", "of", "created"):
        table.add_column(col)
    for r in rows:
        loss = r["test_log_loss"]
        table.add_row(str(r["model_id"]), r["name"], str(r["version"]), ",".join(r["aliases"]),
                      r["feature_version"], "" if loss is None else f"{loss:.5f}",
                      r["test_source"] or "", r["created_at"].strftime("%Y-%m-%d %H:%M"))
    console = Console(width=120)
    console.print(table)
    console.print("published = the probabilities scoring publishes (the blend where a race is "
                  "fully priced); blend* = an older model's blend on priced races only")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        info = store.show_model(conn, args.model_id)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    console = Console(width=120)
    console.print(f"model {info['model_id']}: {info['name']} v{info['version']} "
                  f"({info['algorithm']}), sha256 {info['artifact_sha256']}, "
                  f"{info['artifact_bytes']:,} bytes; feature version "
                  f"{info['feature_version']}; {info['code_version']}; created "
                  f"{info['created_at']:%Y-%m-%d %H:%M} by {info['created_by']}")
    console.print(f"train {info['train_from']}..{info['train_to']}, "
                  f"test {info['test_from']}..{info['test_to']}")
    for part in model_report.report(info["metrics"] or {}, info["params"] or {}):
        console.print(part)
    console.print("(`--json` for the whole record: calibration bands, parameters, lineage)")
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        model_id = store.promote(conn, args.model_id, args.alias, args.note)
        print(f"{args.alias} -> model {model_id}")
        _mirror(conn, args, model_id)
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        model_id = store.rollback(conn, args.alias, args.note)
        print(f"{args.alias} rolled back to model {model_id}")
        _mirror(conn, args, model_id)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with connect(load_settings(args.dsn)) as conn:
        sha = store.export_file(conn, args.model_id, args.path)
    print(f"wrote {args.path} (sha256 {sha})")
    return 0
