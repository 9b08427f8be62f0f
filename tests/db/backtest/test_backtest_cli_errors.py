"""Bad backtest and compare input: one line saying what is wrong, nothing trained or stored."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings

BACKTEST = ["backtest", "--period", "month", "--train-from", "2019-01-01", "--name", "bad"]


def one_line_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("hrdpg: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


def test_from_after_to_is_refused(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(["--dsn", db.conninfo(), *BACKTEST, "--from", "2019-05-01",
                          "--to", "2019-04-30"], capsys)
    assert "--from 2019-05-01 is after --to 2019-04-30" in err


def test_an_empty_period_is_refused_before_training(
        db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(["--dsn", db.conninfo(), *BACKTEST, "--from", "2019-04-01",
                          "--to", "2019-05-31"], capsys)
    assert "no races in period(s) 2019-04 (2019-04-01..2019-04-30), 2019-05" in err
    with psycopg.connect(db.conninfo()) as conn:
        assert conn.execute("SELECT count(*) FROM modeling.backtest_runs").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM modeling.models").fetchone() == (0,)


def test_compare_names_an_unknown_model(db: Settings,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(["--dsn", db.conninfo(), "models", "compare", "41", "hk:2"], capsys)
    assert "model 41 does not exist; see `hrdpg models list`" in err
    err = one_line_error(["--dsn", db.conninfo(), "models", "compare", "4x", "1"], capsys)
    assert "'4x' is neither a model id nor name:version" in err
