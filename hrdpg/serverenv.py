"""The Python environment the PostgreSQL server imports from.

PL/Python runs on the OS interpreter (/usr/bin/python3), not the project venv. hrdpg builds a
dedicated venv with that interpreter, installs numpy + onnxruntime (pinned by constraints.txt)
and copies the engine's ``plpython`` modules into it. The postmaster finds it through
``PYTHONPATH`` in its *environment* (the Debian ``environment`` file), which no SQL role can
change: deriving an import path from a GUC would let any role run code as the server's OS user.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

from hrdpg.config import PLPYTHON_DIR, PROJECT_ROOT
from hrdpg.errors import HrdpgError

SERVER_PYTHON = Path("/usr/bin/python3")
ENGINE_PACKAGE = "hrdpg_pl"
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def site_packages(venv: Path) -> Path:
    matches = sorted((venv / "lib").glob("python3*/site-packages"))
    if not matches:
        raise HrdpgError(f"{venv} is not a Python venv (no lib/python3*/site-packages)")
    return matches[0]


def engine_source_hash(package_dir: Path = PLPYTHON_DIR / ENGINE_PACKAGE) -> str:
    """Hash of the engine modules, to tell whether a server runs the code in this checkout."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# The engine module that folds results into the run history; it and every engine module it
# imports define history features (hrdpg db migrate records their hash for feature_version()).
FEATURE_ROOT_MODULE = "history"


def feature_modules(package_dir: Path = PLPYTHON_DIR / ENGINE_PACKAGE) -> list[Path]:
    """The history module and the engine modules it imports, transitively."""
    found: dict[str, Path] = {}
    todo = [FEATURE_ROOT_MODULE]
    while todo:
        name = todo.pop()
        path = package_dir / f"{name}.py"
        if name in found or not path.exists():
            continue
        found[name] = path
        todo += re.findall(rf"^from {ENGINE_PACKAGE}\.(\w+) import", path.read_text(), re.M)
    return [found[n] for n in sorted(found)]


def feature_module_facts(
    package_dir: Path = PLPYTHON_DIR / ENGINE_PACKAGE,
) -> tuple[str, list[str]]:
    """Hash of the feature modules' source and the modeling functions their SQL calls."""
    digest, calls = hashlib.sha256(), set[str]()
    for path in feature_modules(package_dir):
        text = path.read_text()
        digest.update(path.name.encode())
        digest.update(text.encode())
        calls.update(re.findall(r"modeling\.(\w+)\s*\(", text))
    return digest.hexdigest()[:16], sorted(calls)


def _pip(venv: Path, *args: str) -> None:
    cmd = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", *args]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise HrdpgError(
            "installing the server's Python libraries failed:\n"
            f"{result.stderr.strip()[-2000:]}\n"
            "Check network access to PyPI, or pre-install numpy and onnxruntime into the venv."
        )


def ensure_venv(venv: Path, quiet: bool = False) -> bool:
    """Create the venv and install the server requirements if missing; True if work was done."""
    marker = venv / ".hrdpg-requirements"
    wanted = _requirements_fingerprint()
    if marker.exists() and marker.read_text() == wanted:
        return False
    if not SERVER_PYTHON.exists():
        raise HrdpgError(
            f"{SERVER_PYTHON} not found: PL/Python uses the OS Python. Install python3 and "
            "python3-venv (`make bootstrap`)."
        )
    if not (venv / "bin" / "python").exists():
        if not quiet:
            print(f"creating server Python environment {venv} with {SERVER_PYTHON}")
        result = subprocess.run(
            [str(SERVER_PYTHON), "-m", "venv", str(venv)], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise HrdpgError(
                f"`{SERVER_PYTHON} -m venv` failed: {result.stderr.strip()}\n"
                "Install the Debian package python3-venv (`make bootstrap`)."
            )
    if not quiet:
        print("installing numpy + onnxruntime for the server (pinned by constraints.txt)")
    _pip(venv, "install", "-q", "-c", str(PROJECT_ROOT / "constraints.txt"),
         "-r", str(PROJECT_ROOT / "requirements-server.txt"))
    marker.write_text(wanted)
    return True


def _requirements_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("requirements-server.txt", "constraints.txt"):
        digest.update((PROJECT_ROOT / name).read_bytes())
    return digest.hexdigest()


def sync_engine_modules(venv: Path) -> Path:
    """Copy plpython/hrdpg_pl into the venv so the server never imports from a checkout."""
    target = site_packages(venv) / ENGINE_PACKAGE
    staging = target.with_name(ENGINE_PACKAGE + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(
        PLPYTHON_DIR / ENGINE_PACKAGE, staging, ignore=shutil.ignore_patterns("__pycache__")
    )
    _compile(venv, staging, target)
    (staging / "_source_hash.txt").write_text(engine_source_hash())
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def _compile(venv: Path, staging: Path, target: Path) -> None:
    """Byte-compile the engine modules with the server's interpreter. The server's OS user
    cannot write into the venv, so without these every new backend (every pg_cron job)
    compiled the modules from source again: ~35 ms of its cold start."""
    python = venv / "bin" / "python"
    if not python.exists():
        return
    result = subprocess.run(
        [str(python), "-m", "compileall", "-q", "-d", str(target), str(staging)],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise HrdpgError(f"byte-compiling the engine modules failed:\n{result.stdout[-2000:]}"
                         f"{result.stderr[-2000:]}")


def environment_lines(venv: Path) -> dict[str, str]:
    return {"PYTHONPATH": str(site_packages(venv)), **THREAD_ENV}


def write_environment_file(path: Path, venv: Path) -> None:
    """Write KEY = 'value' lines, the syntax of Debian's postmaster environment file."""
    existing = read_environment_file(path)
    existing.update(environment_lines(venv))
    body = "".join(f"{key} = '{value}'\n" for key, value in sorted(existing.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# postmaster environment, written by `hrdpg db server-env`\n" + body)


def read_environment_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        values[key] = value.strip("'\"")
    return values


def prepare(venv: Path, environment_file: Path, quiet: bool = False) -> None:
    """Everything the server needs to import numpy, onnxruntime and the engine modules."""
    ensure_venv(venv, quiet=quiet)
    sync_engine_modules(venv)
    write_environment_file(environment_file, venv)
    if not quiet:
        print(f"server environment ready: {environment_file}", file=sys.stderr)
