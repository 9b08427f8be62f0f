"""Training refuses bad windows and bad data with a clear message and writes nothing."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from psycopg import sql

from hrdpg.cli import main
from hrdpg.config import Settings
from hrdpg.errors import HrdpgError
from hrdpg.trainer.pipeline import TrainSpec, train

D = dt.date(2019, 1, 1)


def spec(train_days: int = 109, **kw: object) -> TrainSpec:
    base: dict[str, object] = dict(
        name="win", train_from=D, train_to=D + dt.timedelta(days=train_days),
        test_from=D + dt.timedelta(days=110), test_to=D + dt.timedelta(days=149))
    base.update(kw)
    return TrainSpec(**base)  # type: ignore[arg-type]


def models(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM modeling.models").fetchone()
    return int(row[0]) if row else -1


def test_test_window_must_follow_training(conn: psycopg.Connection) -> None:
    with pytest.raises(HrdpgError, match="must start after"):
        train(conn, spec(test_from=D + dt.timedelta(days=50)), show=False)


def test_empty_window(conn: psycopg.Connection) -> None:
    with pytest.raises(HrdpgError, match="training window has no runners"):
        train(conn, spec(), show=False)
    assert models(conn) == 0


def test_too_few_races(synth_conn: psycopg.Connection) -> None:
    with pytest.raises(HrdpgError, match=r"has \d+ races, fewer than 200"):
        train(synth_conn, spec(train_days=5), show=False)
    assert models(synth_conn) == 0


def test_all_null_feature_is_left_out_and_named(synth_conn: psycopg.Connection) -> None:
    synth_conn.execute("UPDATE racing.runners SET speed_figure = NULL")
    synth_conn.commit()
    result = train(synth_conn, spec(register=False, max_rounds=20),
                   show=False)
    # independently: the catalogue features without one value in the training window
    names = [n for (n,) in synth_conn.execute(
        "SELECT name FROM modeling.feature_catalog ORDER BY position").fetchall()]
    s = spec()
    counts = synth_conn.execute(sql.SQL(
        "SELECT {} FROM modeling.runner_features WHERE race_date BETWEEN %s AND %s").format(
        sql.SQL(", ").join(sql.SQL("count({})").format(sql.Identifier(n)) for n in names)),
        (s.train_from, s.train_to)).fetchone()
    assert counts is not None
    empty = [n for n, c in zip(names, counts, strict=True) if c == 0]
    assert "speed_rel" in empty
    assert result.params["features_dropped_all_null"] == empty
    assert "speed_rel" not in result.params["features"]
    assert "speed_rel" not in result.metrics["feature_importance_gain"]


def test_every_feature_null_is_refused(synth_conn: psycopg.Connection) -> None:
    synth_conn.execute("UPDATE racing.runners SET speed_figure = NULL")
    synth_conn.commit()
    with pytest.raises(HrdpgError, match="every chosen feature is NULL"):
        train(synth_conn, spec(features=("speed_rel",)), show=False)
    assert models(synth_conn) == 0


def test_feature_choice_and_unknown_names(synth_conn: psycopg.Connection) -> None:
    chosen = ("rating_rel", "h_win_rate", "j_win_rate_90")
    result = train(synth_conn, spec(features=chosen, register=False, max_rounds=20),
                   show=False)
    assert tuple(result.params["features"]) == chosen
    excluded = train(synth_conn, spec(exclude=("rating_rel",), register=False, max_rounds=20),
                     show=False)
    assert "rating_rel" not in excluded.params["features"]
    with pytest.raises(HrdpgError, match="unknown feature.*no_such"):
        train(synth_conn, spec(features=("no_such",)), show=False)


def test_cli_reports_error(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["--dsn", db.conninfo(), "train", "--train-from", "2019-01-01", "--train-to",
               "2019-03-01", "--test-from", "2019-02-01", "--test-to", "2019-04-01",
               "--name", "win"])
    assert rc == 1
    assert "must start after" in capsys.readouterr().err
