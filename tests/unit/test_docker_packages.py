"""docker/ cannot drift from the bootstrap and the tests: Debian packages come from the same
script over the same lists (libgomp1 included), from the Debian release the tests' PostgreSQL
and pg_cron come from, pip installs are pinned by the same constraints.txt, the server venv is
built by the same code. The images themselves are built and run by scripts/check_images.py."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from hrdpg.config import PG_MAJOR, PROJECT_ROOT
from tests.unit.docker_files import DOCKER, DOCKERFILES, image, instructions, runs

PACKAGE_SCRIPT = PROJECT_ROOT / "scripts" / "debian-packages.sh"


def listed(name: str) -> list[str]:
    """A scripts/debian-packages*.txt list read independently of the shell script."""
    text = (PROJECT_ROOT / "scripts" / name).read_text()
    return [line.split("#", 1)[0].strip() for line in text.splitlines()
            if line.split("#", 1)[0].strip()]


def script_output(*args: str) -> list[str]:
    return subprocess.run(["bash", str(PACKAGE_SCRIPT), *args], capture_output=True, text=True,
                          check=True).stdout.split()


def image_packages(dockerfile: Path) -> list[str]:
    """What the Dockerfile's `debian-packages.sh ARGS | xargs apt-get install` installs."""
    for run in runs(dockerfile):
        match = re.search(r"debian-packages\.sh([^|]*)\|", run)
        if match:
            return script_output(*shlex.split(match.group(1)))
    raise AssertionError(f"{dockerfile.name} installs no Debian packages")


def test_package_script_prints_the_lists() -> None:
    cli, server = listed("debian-packages-cli.txt"), listed("debian-packages.txt")
    assert script_output() == cli + server
    assert script_output("--cli") == cli
    assert script_output("--test") == cli + server + listed("debian-packages-test.txt")


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
                after = command.split("apt-get install", 1)[1].split()
                # Options only: every package name arrives through xargs from the script.
                assert all(token.startswith("-") for token in after), (dockerfile.name, after)
                assert re.search(r"debian-packages\.sh[^|]*\|[^|]*xargs apt-get install", run)
                # A failing script must fail the build, not install nothing.
                assert "pipefail" in image(dockerfile).shell, dockerfile.name
    assert installs == len(DOCKERFILES)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_image_has_lightgbms_openmp_runtime(dockerfile: Path) -> None:
    # Both images install the CLI, whose `hrdpg train` imports LightGBM (libgomp.so.1).
    assert "libgomp1" in image_packages(dockerfile)


def test_database_image_has_the_tests_postgresql_major() -> None:
    packages = image_packages(DOCKER / "Dockerfile.db")
    for name in (f"postgresql-{PG_MAJOR}", f"postgresql-plpython3-{PG_MAJOR}",
                 f"postgresql-{PG_MAJOR}-cron", f"postgresql-client-{PG_MAJOR}"):
        assert name in packages
    assert f"/usr/lib/postgresql/{PG_MAJOR}/bin" in image(DOCKER / "Dockerfile.db").env["PATH"]


def test_images_use_only_debian_archives() -> None:
    for dockerfile in DOCKERFILES:
        assert re.fullmatch(r"debian:\w+-slim", image(dockerfile).base), dockerfile.name
        for run in runs(dockerfile):
            # No second apt source (PGDG ships pg_cron 1.6, the tests run Debian's).
            assert not re.search(r"sources\.list|apt\.postgresql\.org|apt-key|curl |wget ",
                                 run), (dockerfile.name, run)


def host_release() -> str | None:
    os_release = Path("/etc/os-release")
    text = os_release.read_text() if os_release.exists() else ""
    match = re.search(r"^VERSION_CODENAME=(\w+)", text, re.M)
    return match.group(1) if match and "ID=debian" in text else None


def test_tests_pg_cron_comes_from_the_images_debian_release() -> None:
    """bootstrap installed pg_cron from this host's Debian archive; the images install the
    same package from the release they are based on: they must be the same release, and the
    installed pg_cron one that release's archive offers."""
    cron = f"postgresql-{PG_MAJOR}-cron"
    if host_release() is None or shutil.which("apt-cache") is None:
        pytest.skip("not a Debian host: bootstrap's packages are not Debian's")
    installed = subprocess.run(["dpkg-query", "-W", "-f=${Version}", cron],
                               capture_output=True, text=True)
    if installed.returncode != 0:
        pytest.skip(f"{cron} is not installed here")
    suites = {image(d).base.split(":")[1].removesuffix("-slim") for d in DOCKERFILES}
    assert suites == {host_release()}
    policy = subprocess.run(["apt-cache", "policy", cron], capture_output=True, text=True,
                            check=True).stdout
    assert re.search(rf"debian(-security)? {host_release()}(-updates|-security)?/main",
                     " ".join(archives_offering(policy, installed.stdout)))


def archives_offering(policy: str, version: str) -> list[str]:
    """The archive lines under `version` in apt-cache policy's version table."""
    archives: list[str] = []
    current = None
    for line in policy.split("Version table:", 1)[1].splitlines():
        row = re.fullmatch(r" (?:\*\*\*| {3}) (\S+) -?\d+", line)
        if row:
            current = row.group(1)
        elif current == version:
            archives.append(line.strip())
    return archives


def test_database_image_copies_what_the_script_reads() -> None:
    db = DOCKER / "Dockerfile.db"
    copies = " ".join(args for kind, args in instructions(db) if kind == "COPY")
    for name in ("debian-packages.sh", "debian-packages.txt", "debian-packages-cli.txt"):
        assert f"scripts/{name}" in copies
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
