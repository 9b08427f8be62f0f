"""Locating the PostgreSQL server binaries and the OS user that runs them."""

from __future__ import annotations

import os
import pwd
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hrdpg.config import PG_MAJOR
from hrdpg.errors import HrdpgError

BOOTSTRAP_HINT = "run `make bootstrap` (or scripts/bootstrap.sh) to install it"
DEBIAN_PACKAGES = (
    f"postgresql-{PG_MAJOR}",
    f"postgresql-plpython3-{PG_MAJOR}",
    f"postgresql-{PG_MAJOR}-cron",
)


@dataclass(frozen=True)
class ServerBinaries:
    bindir: Path
    libdir: Path

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def find_binaries() -> ServerBinaries:
    """Find PostgreSQL 15 with plpython3u and pg_cron, or say exactly what is missing."""
    override = os.environ.get("HRDPG_PG_BINDIR")
    bindir = Path(override) if override else Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin")
    if not (bindir / "postgres").exists():
        installed = sorted(p.name for p in Path("/usr/lib/postgresql").glob("*"))
        found = f" (found major version(s): {', '.join(installed)})" if installed else ""
        raise HrdpgError(
            f"PostgreSQL {PG_MAJOR} server binaries not found in {bindir}{found}. "
            f"hrdpg's embedded cluster needs PostgreSQL {PG_MAJOR}: {BOOTSTRAP_HINT}, "
            f"or point HRDPG_DSN at an existing server."
        )
    version = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    major = version.split()[-1].split(".")[0]
    if major != str(PG_MAJOR):
        raise HrdpgError(
            f"{bindir}/postgres is version {version.strip()}; hrdpg needs PostgreSQL {PG_MAJOR}. "
            f"Install postgresql-{PG_MAJOR} or set HRDPG_PG_BINDIR to its bin directory."
        )
    libdir = bindir.parent / "lib"
    for library, package in (
        ("plpython3.so", f"postgresql-plpython3-{PG_MAJOR}"),
        ("pg_cron.so", f"postgresql-{PG_MAJOR}-cron"),
    ):
        if not (libdir / library).exists():
            raise HrdpgError(
                f"{libdir}/{library} is missing: Debian package {package} is not installed; "
                f"{BOOTSTRAP_HINT}."
            )
    return ServerBinaries(bindir=bindir, libdir=libdir)


@dataclass(frozen=True)
class ServerUser:
    """The unprivileged OS account that owns the data directory and runs postgres."""

    name: str
    uid: int
    gid: int
    home: str

    @property
    def is_self(self) -> bool:
        return self.uid == os.geteuid()


def server_user() -> ServerUser:
    """Postgres refuses to run as root, so root hands the cluster to the ``postgres`` user."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
    else:
        wanted = os.environ.get("HRDPG_SERVER_USER", "postgres")
        try:
            entry = pwd.getpwnam(wanted)
        except KeyError as exc:
            raise HrdpgError(
                f"running as root, hrdpg starts PostgreSQL as OS user {wanted!r}, which does not "
                f"exist. Install postgresql-{PG_MAJOR} (creates it) or set HRDPG_SERVER_USER."
            ) from exc
    return ServerUser(entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_dir)


def run_as(
    user: ServerUser,
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    check: bool = True,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a server tool as the server user with a clean, explicit environment."""
    full_env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": user.home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    full_env.update(env or {})
    switch = not user.is_self
    result = subprocess.run(
        list(argv),
        env=full_env,
        capture_output=True,
        text=True,
        cwd=str(cwd) if cwd else "/",
        user=user.uid if switch else None,
        group=user.gid if switch else None,
        extra_groups=[] if switch else None,
    )
    if check and result.returncode != 0:
        raise HrdpgError(
            f"{Path(argv[0]).name} failed (exit {result.returncode}):\n"
            f"{result.stderr.strip() or result.stdout.strip()}"
        )
    return result
