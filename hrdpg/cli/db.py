"""`hrdpg db ...`: the embedded cluster, migrations and the doctor."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from hrdpg import doctor, logins, serverenv
from hrdpg.cli import replica as replica_cmd
from hrdpg.cluster import Cluster
from hrdpg.config import Settings, load_settings
from hrdpg.db import connect
from hrdpg.errors import HrdpgError


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="database: embedded cluster, migrations, doctor")
    sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")

    sub.add_parser("up", help="init (once) and start the embedded cluster").set_defaults(
        handler=cmd_up)
    sub.add_parser("down", help="stop the embedded cluster (data is kept)").set_defaults(
        handler=cmd_down)
    sub.add_parser("status", help="is the embedded cluster running, and where").set_defaults(
        handler=cmd_status)
    psql = sub.add_parser("psql", help="open psql on the engine database")
    psql.add_argument("psql_args", nargs=argparse.REMAINDER, help="passed on to psql")
    psql.set_defaults(handler=cmd_psql)

    mig = sub.add_parser("migrate", help="Alembic upgrade + reinstall sql/ objects")
    mig.add_argument("--target", default="head", help="Alembic revision (default: head)")
    mig.add_argument("--source-views", type=Path,
                     help="SQL file defining modeling.src_* over your own racing tables")
    mig.add_argument("--no-reference-racing", action="store_true",
                     help="do not create the reference racing schema")
    mig.set_defaults(handler=cmd_migrate)

    down = sub.add_parser("downgrade", help="Alembic downgrade (e.g. to base)")
    down.add_argument("target", help="revision, or 'base'")
    down.add_argument("--yes", action="store_true",
                      help="go ahead: the revisions undone drop their tables and data")
    down.set_defaults(handler=cmd_downgrade)

    env = sub.add_parser("server-env", help="build the Python environment the server imports")
    env.add_argument("--prefix", type=Path, help="venv directory (default: embedded layout)")
    env.add_argument("--environment-file", type=Path,
                     help="postmaster environment file to write, e.g. "
                          "/etc/postgresql/15/main/environment")
    env.set_defaults(handler=cmd_server_env)

    sub.add_parser("doctor", help="what the server really runs, and what is wrong").set_defaults(
        handler=cmd_doctor)

    login = sub.add_parser("login", help="create or update a login in an hrdpg group role, "
                                         "with that group's limits")
    login.add_argument("name", help="the login role, e.g. api")
    login.add_argument("--role", required=True, choices=sorted(logins.GROUPS),
                       help="the group it joins (the API's login: reader)")
    login.add_argument("--password-env", metavar="VAR",
                       help="read the password from this environment variable "
                            "(default: keep the current password, or none)")
    login.set_defaults(handler=cmd_login)

    replica_cmd.register(sub)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.dsn)


def start_embedded(settings: Settings, quiet: bool = False) -> Cluster:
    """Init (once), prepare the server's Python, start, create the database. Idempotent."""
    from hrdpg import migrate  # Alembic + SQLAlchemy: only for the commands that migrate

    cluster = Cluster(settings)
    if cluster.init() and not quiet:
        print(f"initialised PostgreSQL cluster in {settings.paths.data_dir}")
    serverenv.prepare(settings.paths.server_venv, settings.paths.environment_file, quiet=quiet)
    started = cluster.start()
    migrate.ensure_database(settings)
    if not quiet:
        state = "started" if started else "already running"
        print(f"PostgreSQL {state}: {settings.conninfo()}")
    return cluster


def cmd_up(args: argparse.Namespace) -> int:
    start_embedded(_settings(args))
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    stopped = Cluster(_settings(args)).stop()
    print("PostgreSQL stopped" if stopped else "PostgreSQL was not running")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    status = Cluster(_settings(args)).status()
    if not status.initialized:
        print(f"not initialised ({status.data_dir}); run `hrdpg db up`")
        return 3
    state = f"running (pid {status.pid})" if status.running else "stopped"
    print(f"{state}\n  data: {status.data_dir}\n  port: {status.port}\n  dsn:  {status.conninfo}")
    return 0 if status.running else 3


def cmd_psql(args: argparse.Namespace) -> int:
    settings = _settings(args)
    extra = [a for a in args.psql_args if a != "--"]
    os.execvp("psql", ["psql", settings.conninfo(), *extra])


def cmd_migrate(args: argparse.Namespace) -> int:
    from hrdpg import migrate

    settings = _settings(args)
    if settings.embedded:
        # Engine modules are copied, not imported from the checkout: refresh them.
        serverenv.sync_engine_modules(settings.paths.server_venv)
    warnings = migrate.migrate(
        settings, target=args.target, reference_racing=not args.no_reference_racing,
        source_views=args.source_views,
    )
    for warning in warnings:
        print(f"warning: {warning}")
    print(f"migrated to {args.target}; reloadable sql/ objects installed")
    return 0


def cmd_downgrade(args: argparse.Namespace) -> int:
    from hrdpg import migrate

    settings = _settings(args)
    migrate.known_revision(args.target)
    if not args.yes:
        with connect(settings) as conn:
            held = migrate.data_held(conn)
        what = ", ".join(f"{n:,} {t}" for t, n in held.items() if n) or "no rows yet"
        raise HrdpgError(f"downgrading to {args.target} drops the tables of the revisions undone "
                         f"(this database holds {what}); nothing was changed. Back up first "
                         "(pg_dump), then re-run with --yes")
    migrate.downgrade(settings, args.target)
    print(f"downgraded to {args.target}")
    return 0


def cmd_server_env(args: argparse.Namespace) -> int:
    settings = _settings(args)
    venv = args.prefix or settings.paths.server_venv
    env_file = args.environment_file or (
        settings.paths.environment_file if args.prefix is None else None)
    if env_file is None:
        raise HrdpgError("with --prefix, also give --environment-file (the postmaster's)")
    serverenv.prepare(venv, env_file)
    print(f"PYTHONPATH for the postmaster: {serverenv.site_packages(venv)}\n"
          f"Restart PostgreSQL so it picks up {env_file}.")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    report = doctor.run(_settings(args))
    print(report.render())
    return 0 if report.ok else 1


def cmd_login(args: argparse.Namespace) -> int:
    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            raise HrdpgError(f"environment variable {args.password_env} is empty or unset")
    with connect(_settings(args), autocommit=True) as conn:
        action, others = logins.create_login(conn, args.name, args.role, password)
    print(f"login {args.name}: {action} in hrdpg_{args.role} (limits: modeling.login_limits)")
    if others:
        print("note: PUBLIC may still connect to " + ", ".join(others) + "; as a superuser: "
              + "; ".join(f'REVOKE CONNECT ON DATABASE "{d}" FROM PUBLIC' for d in others))
    return 0
