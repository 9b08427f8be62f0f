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


def _profiles(conn: psycopg.Connection) -> str:
    rows = conn.execute("SELECT profile FROM modeling.risk_limits ORDER BY 1").fetchall()
    conn.commit()
    assert rows
    return ", ".join(r[0] for r in rows)


def test_engine_errors_lose_the_python_class_prefix(conn: psycopg.Connection, db: Settings,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    conn.execute("INSERT INTO modeling.risk_limits SELECT (jsonb_populate_record("
                 "NULL::modeling.risk_limits, to_jsonb(l) || '{\"profile\": \"cautious\"}')).* "
                 "FROM modeling.risk_limits l WHERE l.profile = 'default'")  # a second one
    conn.commit()
    assert main(["--dsn", db.conninfo(), "bets", "propose", "2019-05-01",
                 "--profile", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert f"unknown risk profile 'nosuch'; the profiles are: {_profiles(conn)}" in err
    assert "spiexceptions" not in err and "Traceback" not in err and err.count("\n") == 1


def test_resume_of_an_unknown_profile_names_the_profiles(
        conn: psycopg.Connection, db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--dsn", db.conninfo(), "bets", "resume", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert f"unknown risk profile 'nosuch'; the profiles are: {_profiles(conn)}" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_closed_pipe_is_not_an_error(db: Settings) -> None:
    """`hrdpg features catalog | head -c 0`: the reader is gone before the first write."""
    cmd = " ".join(map(repr, [sys.executable, "-c", "import sys; from hrdpg.cli import main; "
                              "sys.exit(main(sys.argv[1:]))", "--dsn", db.conninfo(),
                              "features", "catalog"]))
    proc = subprocess.run(["bash", "-c", f"{cmd} | head -c 0; echo ${{PIPESTATUS[0]}}"],
                          capture_output=True, text=True)
    assert proc.stdout.strip() == "141", proc.stderr  # EPIPE seen and handled
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
