"""Every CLI error is one line saying what to do; --debug shows the traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.db.training.test_models_registry import artifact, names, reg


def test_export_to_a_missing_directory_is_one_line(conn: psycopg.Connection, db: Settings,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    model_id = reg(conn, artifact(len(names(conn))), names(conn))
    target = tmp_path / "missing" / "dir" / "m.onnx"
    assert main(["--dsn", db.conninfo(), "models", "export-file", str(model_id),
                 str(target)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No such file or directory" in err and str(target) in err
    with pytest.raises(FileNotFoundError):
        main(["--debug", "--dsn", db.conninfo(), "models", "export-file", str(model_id),
              str(target)])


def test_engine_errors_lose_the_python_class_prefix(db: Settings,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dsn", db.conninfo(), "bets", "propose", "2019-05-01",
                 "--profile", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert "unknown risk profile 'nosuch'" in err
    assert "spiexceptions" not in err and "Traceback" not in err and err.count("\n") == 1


def test_a_closed_pipe_is_not_an_error(db: Settings) -> None:
    """`hrdpg features catalog | head -c 0`: the reader is gone before the first write."""
    cmd = " ".join(map(repr, [sys.executable, "-c", "import sys; from hrdpg.cli import main; "
                              "sys.exit(main(sys.argv[1:]))", "--dsn", db.conninfo(),
                              "features", "catalog"]))
    proc = subprocess.run(["bash", "-c", f"{cmd} | head -c 0; echo ${{PIPESTATUS[0]}}"],
                          capture_output=True, text=True)
    assert proc.stdout.strip() == "141", proc.stderr  # EPIPE seen and handled
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
