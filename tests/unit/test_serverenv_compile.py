"""The engine modules are copied into the server venv byte-compiled by the server's Python:
the server's OS user cannot write __pycache__ there, so each new backend would compile them."""

from __future__ import annotations

import importlib.util
import marshal
import subprocess
from pathlib import Path

from hrdpg import serverenv
from hrdpg.config import PLPYTHON_DIR


def test_sync_engine_modules_ships_bytecode(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (venv / "bin").mkdir()
    (venv / "bin" / "python").symlink_to(serverenv.SERVER_PYTHON)
    target = serverenv.sync_engine_modules(venv)
    sources = sorted(p.relative_to(PLPYTHON_DIR / "hrdpg_pl")
                     for p in (PLPYTHON_DIR / "hrdpg_pl").rglob("*.py"))
    assert sources
    tag = subprocess.run([str(serverenv.SERVER_PYTHON), "-c",
                          "import sys; print(sys.implementation.cache_tag)"],
                         capture_output=True, text=True, check=True).stdout.strip()
    for rel in sources:
        pyc = Path(importlib.util.cache_from_source(str(target / rel)))
        assert pyc.parent.name == "__pycache__"
        assert pyc.with_name(f"{rel.stem}.{tag}.pyc").is_file(), rel
    # Tracebacks name the installed path, not the staging directory the files were built in.
    pyc = Path(importlib.util.cache_from_source(str(target / "racenorm.py")))
    assert marshal.loads(pyc.read_bytes()[16:]).co_filename == str(target / "racenorm.py")
