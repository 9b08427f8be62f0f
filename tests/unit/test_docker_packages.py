"""docker/ cannot drift from the bootstrap: Debian packages come from the same script over the
same list, pip installs are pinned by the same constraints.txt, the server venv is built by the
same code, and the entrypoint reads the environment file that code writes."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from hrdpg import serverenv
from hrdpg.config import PG_MAJOR, PROJECT_ROOT

DOCKER = PROJECT_ROOT / "docker"
DOCKERFILES = sorted(DOCKER.glob("Dockerfile.*"))
PACKAGE_SCRIPT = PROJECT_ROOT / "scripts" / "debian-packages.sh"


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(
        line for line in dockerfile.read_text().splitlines() if not line.lstrip().startswith("#")))
    return [(m.group(1).upper(), m.group(2)) for m in
            re.finditer(r"^\s*([A-Za-z]+)\s+(.*)$", text, re.MULTILINE)]


def runs(dockerfile: Path) -> list[str]:
    return [args for kind, args in instructions(dockerfile) if kind == "RUN"]


def listed_packages() -> list[str]:
    """scripts/debian-packages.txt read independently of the shell script."""
    text = (PROJECT_ROOT / "scripts" / "debian-packages.txt").read_text()
    return [line.split("#", 1)[0].strip() for line in text.splitlines()
            if line.split("#", 1)[0].strip()]


def test_package_script_prints_the_list() -> None:
    out = subprocess.run(["bash", str(PACKAGE_SCRIPT)], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == listed_packages()
    assert f"postgresql-plpython3-{PG_MAJOR}" in out and f"postgresql-{PG_MAJOR}-cron" in out


def test_bootstrap_and_images_install_only_through_the_script() -> None:
    bootstrap = (PROJECT_ROOT / "scripts" / "bootstrap.sh").read_text()
    assert "bash scripts/debian-packages.sh" in bootstrap
    assert "debian-packages.txt" not in bootstrap  # no second reader of the list
    installs = 0
    for dockerfile in DOCKERFILES:
        for run in runs(dockerfile):
            for command in re.split(r"&&|;", run):
                if "apt-get install" not in command:
                    continue
                installs += 1
                assert "scripts/debian-packages.sh" in run, (dockerfile.name, command)
                after = command.split("apt-get install", 1)[1].split()
                # Options only: every package name arrives through xargs from the script.
                assert all(token.startswith("-") for token in after), (dockerfile.name, after)
                assert re.search(r"debian-packages\.sh\s*\|\s*xargs apt-get install", run)
    assert installs >= 1


def test_database_image_matches_the_server_layout() -> None:
    db = DOCKER / "Dockerfile.db"
    kinds = instructions(db)
    base = next(args for kind, args in kinds if kind == "FROM")
    assert base == f"postgres:{PG_MAJOR}-bookworm"
    copies = " ".join(args for kind, args in kinds if kind == "COPY")
    assert "scripts/debian-packages.txt scripts/debian-packages.sh" in copies
    assert any("hrdpg db server-env --prefix" in run for run in runs(db))


def test_pip_installs_use_the_constraints_file() -> None:
    pip_runs = 0
    for dockerfile in DOCKERFILES:
        copies = [args for kind, args in instructions(dockerfile) if kind == "COPY"]
        for run in runs(dockerfile):
            for command in re.split(r"&&|;", run):
                if "pip install" not in command:
                    continue
                pip_runs += 1
                match = re.search(r"-c\s+(\S+)", command)
                assert match, (dockerfile.name, command)
                target = Path(match.group(1))
                # That path is the repository's constraints.txt, copied in unchanged.
                assert any("constraints.txt" in c.split()[:-1] and
                           c.split()[-1].rstrip("/") == str(target.parent) for c in copies)
                assert target.name == "constraints.txt"
                assert "==" not in command and " -r " not in command
    assert pip_runs == len(DOCKERFILES)


def test_entrypoint_exports_the_environment_file_serverenv_writes(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    env_file = tmp_path / "environment"
    serverenv.write_environment_file(env_file, venv)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker-entrypoint.sh").write_text("#!/bin/sh\nenv\n")
    (fake / "docker-entrypoint.sh").chmod(0o755)
    out = subprocess.run(
        ["bash", str(DOCKER / "db-entrypoint.sh"), "postgres"], capture_output=True, text=True,
        check=True, env={"PATH": f"{fake}:{os.environ['PATH']}",
                         "HRDPG_ENVIRONMENT_FILE": str(env_file)}).stdout
    exported = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    for key, value in serverenv.environment_lines(venv).items():
        assert exported[key] == value
