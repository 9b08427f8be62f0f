"""The commands docker/compose.yaml, docker/README.md and the first-start script run are real
`hrdpg` commands, and the database image's entrypoint exports the environment file
`hrdpg db server-env` writes (scripts/check_images.py runs them all in built images)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from hrdpg import serverenv
from hrdpg.cli import build_parser
from tests.unit.docker_files import DOCKER, image, instructions, read_compose

COMPOSE = read_compose(DOCKER / "compose.yaml")
SERVICES: dict[str, dict[str, object]] = COMPOSE["services"]  # type: ignore[assignment]
ENTRYPOINT = DOCKER / "db-entrypoint.sh"


def dockerfile_of(service: str) -> Path:
    """A service's Dockerfile: its own build, else the service building the image it names."""
    tag = SERVICES[service]["image"]
    builder = next(s for s in SERVICES.values() if s["image"] == tag and "build" in s)
    build: dict[str, str] = builder["build"]  # type: ignore[assignment]
    return DOCKER.parent / build["dockerfile"]


def hrdpg_argv(service: str) -> list[str]:
    """What the service runs after `hrdpg`: its command, else its image's CMD."""
    built = image(dockerfile_of(service))
    assert built.entrypoint == ["hrdpg"], (service, built.entrypoint)
    command: list[str] = SERVICES[service].get("command") or built.cmd  # type: ignore[assignment]
    return command


def assert_cli_accepts(argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as exit:  # --help prints and exits 0; a bad command exits 2
        assert exit.code == 0 and "--help" in argv, argv


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "db"])
def test_cli_service_runs_a_cli_command(service: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert_cli_accepts(hrdpg_argv(service))


def test_readme_commands_are_cli_commands(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (DOCKER / "README.md").read_text()
    runs = re.findall(r"docker compose -f docker/compose.yaml run --rm (\w+)([^`\n]*)", readme)
    assert runs
    for service, args in runs:
        argv = args.split() or hrdpg_argv(service)
        assert_cli_accepts(argv)


def test_first_start_script_runs_cli_commands(capsys: pytest.CaptureFixture[str]) -> None:
    db = image(DOCKER / "Dockerfile.db")
    copies = [args.split() for kind, args in instructions(DOCKER / "Dockerfile.db")
              if kind == "COPY"]
    assert ["docker/db-entrypoint.sh", f"/usr/local/bin/{db.entrypoint[0]}"] in copies
    assert db.cmd[0] == "postgres"
    commands = re.findall(r"^hrdpg (.+)$", (DOCKER / "initdb/10-hrdpg-migrate.sh").read_text(),
                          re.M)
    assert commands
    for command in commands:
        assert_cli_accepts(command.split())


def test_entrypoint_exports_the_environment_file_serverenv_writes(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    env_file = tmp_path / "environment"
    serverenv.write_environment_file(env_file, venv)
    out = subprocess.run(["bash", str(ENTRYPOINT), "env"], capture_output=True, text=True,
                         check=True, env={"PATH": os.environ["PATH"],
                                          "HRDPG_ENVIRONMENT_FILE": str(env_file)}).stdout
    exported = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    for key, value in serverenv.environment_lines(venv).items():
        assert exported[key] == value


def test_first_start_without_a_password_is_refused(tmp_path: Path) -> None:
    env_file = tmp_path / "environment"
    env_file.write_text("")
    result = subprocess.run(
        ["bash", str(ENTRYPOINT), "postgres"], capture_output=True, text=True,
        env={"PATH": os.environ["PATH"], "HRDPG_ENVIRONMENT_FILE": str(env_file),
             "PGDATA": str(tmp_path / "data"), "POSTGRES_USER": "postgres",
             "POSTGRES_DB": "hrdpg"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "hrdpg-entrypoint: set POSTGRES_PASSWORD_FILE to a readable file holding the "
        "superuser's password"]
    assert not (tmp_path / "data" / "PG_VERSION").exists()
