#!/usr/bin/env python3
"""Build docker/Dockerfile.db and docker/Dockerfile.trainer without a Docker daemon
(scripts/chroot_image.py) and run what docker/compose.yaml runs: the db service's entrypoint
(initdb, `hrdpg db migrate`, the logins) with its environment and healthcheck, the migrate
service's command, the trainer's default command, `db doctor`, a real `hrdpg train` (LightGBM +
ONNX) as the trainer login, then `modeling.score_day` inside the db image's server (onnxruntime
in its server venv). Compares the db image's PostgreSQL, plpython3u and pg_cron with the ones
installed here (the tests' cluster).

    sudo python3 scripts/check_images.py [--workdir DIR] [--keep]

Needs root, debootstrap, network access to deb.debian.org and PyPI. Takes minutes
(docs/operations.md, "Images"): a separate script, not part of the test suite.
"""

from __future__ import annotations

import argparse
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chroot_image import (
    DOCKER,
    ROOT,
    Image,
    Mounts,
    build,
    describe,
    read_compose,
    remove_tree,
    say,
)

PG_MAJOR = re.search(r"^PG_MAJOR = (\d+)", (ROOT / "hrdpg/config.py").read_text(), re.M)[1]
SERVER_PACKAGES = [f"postgresql-{PG_MAJOR}", f"postgresql-plpython3-{PG_MAJOR}",
                   f"postgresql-{PG_MAJOR}-cron"]
# A small synthetic world: 60 days from START; the last is declared but not run.
START, TRAIN_TO, TEST_FROM, TEST_TO, SCORE_DAY = (
    "2024-01-01", "2024-02-09", "2024-02-10", "2024-02-28", "2024-02-29")


def lint() -> None:
    for tool, files in (("hadolint", sorted(DOCKER.glob("Dockerfile.*"))),
                        ("shellcheck", [DOCKER / "db-entrypoint.sh",
                                        *sorted((DOCKER / "initdb").glob("*.sh"))])):
        if shutil.which(tool) is None:
            say(f"lint: {tool} not installed, skipped")
            continue
        result = subprocess.run([tool, *map(str, files)], capture_output=True, text=True)
        say(f"lint: {tool} {'clean' if result.returncode == 0 else 'FOUND PROBLEMS'}"
            f"{result.stdout}{result.stderr}")
        if result.returncode:
            raise SystemExit(1)


def version(package: str, image: Image | None = None) -> str:
    command = ["dpkg-query", "-W", "-f=${Version}", package]
    if image is not None:
        return image.run(command)
    result = subprocess.run(command, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else "not installed"


def check_server_packages(db: Image) -> None:
    for package in SERVER_PACKAGES:
        ours, here = version(package, db), version(package)
        say(f"{package}: image {ours}, tests' cluster {here}")
        if not ours.startswith(f"{PG_MAJOR}.") and "cron" not in package:
            raise SystemExit(f"{package} {ours} is not PostgreSQL {PG_MAJOR}")
        if "cron" in package and ours != here:
            raise SystemExit(f"pg_cron differs from the tests' ({ours} vs {here})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_db(db: Image, service: dict, port: int, log: Path) -> tuple[subprocess.Popen[bytes],
                                                                      dict[str, str]]:
    """The db service as compose starts it: its secrets, environment, entrypoint and CMD."""
    passwords = {}
    for name in service["secrets"]:
        passwords[name] = secrets.token_urlsafe(18)
        path = db.root / "run/secrets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(passwords[name])
        path.chmod(0o644)  # as a compose file secret created by the README's commands
    env = {**service["environment"], "PGPORT": str(port)}
    # compose publishes 127.0.0.1 only; so does this check.
    command = [*db.entrypoint, *db.cmd, "-c", "listen_addresses=127.0.0.1"]
    proc = subprocess.Popen(db.argv(command, env=env), stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD", test
    deadline = time.monotonic() + 600
    while subprocess.run(db.argv(test[1:], env={"PGPORT": str(port)}),
                         capture_output=True).returncode != 0:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the db service did not become healthy:\n{log.read_text()[-4000:]}")
        time.sleep(2)
    return proc, passwords


def client_env(cli: Image, service: dict, port: int, passwords: dict[str, str]) -> dict[str, str]:
    """A CLI service's environment with `host=db` pointed at the chroot's server, and its
    libpq password file written as the README says (0600, owned by the image's user)."""
    env = dict(service["environment"])
    dsn = env["HRDPG_DSN"].replace("host=db", f"host=127.0.0.1 port={port}")
    user = re.search(r"user=(\S+)", dsn)[1]
    passfile = cli.root / re.search(r"passfile=(\S+)", dsn)[1].lstrip("/")
    passfile.parent.mkdir(parents=True, exist_ok=True)
    passfile.write_text(f"127.0.0.1:{port}:hrdpg:{user}:{passwords[f'{user}_password']}\n")
    passfile.chmod(0o600)
    uid, gid, _ = cli.account(cli.user)
    shutil.chown(passfile, uid, gid)
    return {**env, "HRDPG_DSN": dsn}


def shown(title: str, output: str, lines: int = 6) -> str:
    text = output.replace("\0", "").strip()
    say(f"{title}:\n    " + "\n    ".join(text.splitlines()[-lines:]))
    return output


def exercise(db: Image, cli: Image, compose: dict, port: int, log: Path) -> None:
    services = compose["services"]
    hrdpg = cli.entrypoint
    shown("db image: hrdpg --help", db.run(["hrdpg", "--help"]), 2)
    proc, passwords = start_db(db, services["db"], port, log)
    try:
        shown("db service first start", log.read_text(), 8)
        admin = client_env(cli, services["migrate"], port, passwords)
        trainer = client_env(cli, services["trainer"], port, passwords)
        shown("migrate service", cli.run([*hrdpg, *services["migrate"]["command"]], env=admin))
        shown("trainer default command", cli.run([*hrdpg, *cli.cmd], env=trainer), 2)
        # As the superuser: the doctor reads public.alembic_version, which logins may not.
        shown("migrate service: db doctor", cli.run([*hrdpg, "db", "doctor"], env=admin), 14)
        shown("trainer: train --help", cli.run([*hrdpg, "train", "--help"], env=trainer), 2)
        shown("superuser: synth", cli.run([*hrdpg, "synth", "--start-date", START, "--days",
                                           "60", "--races-per-day", "10", "--unrun-days", "1"],
                                          env=admin), 3)
        out = shown("trainer: train", cli.run(
            [*hrdpg, "train", "--name", "image-check", "--train-from", START, "--train-to",
             TRAIN_TO, "--test-from", TEST_FROM, "--test-to", TEST_TO], env=trainer), 12)
        model = re.search(r"registered model (\d+)", out)[1]
        shown("superuser: models promote", cli.run([*hrdpg, "models", "promote", model],
                                                   env=admin))
        published = db.run(["psql", "-v", "ON_ERROR_STOP=1", "-At", "-d", "hrdpg", "-c",
                            f"SELECT modeling.score_day('{SCORE_DAY}')"], user="postgres",
                           env={"PGPORT": str(port)}).strip()
        say(f"db image: modeling.score_day('{SCORE_DAY}') published {published} signals")
        if not published.isdigit() or int(published) == 0:
            raise SystemExit("score_day published no signals")
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """The image's STOPSIGNAL (fast shutdown), then what `docker stop` does after its grace."""
    for sig, grace in ((signal.SIGINT, 60), (signal.SIGKILL, 10)):
        proc.send_signal(sig)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            say(f"the db service did not stop on {sig.name} within {grace} s")


def reuse(dockerfile: Path, root: Path, mounts: Mounts) -> Image:
    if not (root / "etc/passwd").exists():
        raise SystemExit(f"no image root {root}: run once with --keep first")
    image = describe(dockerfile)
    image.root = root
    if "PGDATA" in image.env:  # an empty volume again: the entrypoint's first start runs
        remove_tree(root / image.env["PGDATA"].lstrip("/"))
    mounts.add(root)
    return image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/var/tmp/hrdpg-images"))
    parser.add_argument("--keep", action="store_true", help="keep the image roots afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="run the checks in the roots a --keep run left, without building")
    args = parser.parse_args()
    if shutil.which("debootstrap") is None:
        raise SystemExit("debootstrap is missing: apt-get install debootstrap")
    started = time.perf_counter()
    lint()
    compose = read_compose(DOCKER / "compose.yaml")
    mounts = Mounts()
    roots = {name: args.workdir / name for name in ("db", "trainer")}
    try:
        db, cli = (reuse(DOCKER / f"Dockerfile.{name}", roots[name], mounts) if args.reuse
                   else build(DOCKER / f"Dockerfile.{name}", args.workdir / "base", roots[name],
                              mounts) for name in ("db", "trainer"))
        check_server_packages(db)
        say(f"trainer image: libgomp1 {version('libgomp1', cli)}")
        exercise(db, cli, compose, free_port(), args.workdir / "db.log")
    finally:
        mounts.release()
        if not args.keep:
            for root in roots.values():
                remove_tree(root)
    say(f"all checks passed in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
