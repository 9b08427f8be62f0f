"""Each period's model is trained before the period starts and does not depend on it."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg.trainer.pipeline import fit_training_window
from tests.conftest import ServerHandle, private_copy
from tests.db.backtest.conftest import SPEC, Backtested, analyse


def test_every_period_model_was_trained_before_its_period(backtested: Backtested) -> None:
    with psycopg.connect(backtested.conninfo) as conn:
        rows = conn.execute(
            "SELECT p.period_from, p.period_to, m.train_from, m.train_to, m.test_from,"
            " m.metrics #>> '{windows,calibrate,to}', m.metrics #>> '{windows,train,to}'"
            " FROM modeling.backtest_periods p JOIN modeling.models m USING (model_id)"
            " WHERE p.run_id = %s ORDER BY p.period_no", (backtested.run_id,)).fetchall()
        # the backtest's scoring runs published each model inside its own period only
        outside = conn.execute(
            "SELECT count(*) FROM modeling.signals s JOIN modeling.runs r USING (run_id)"
            " JOIN modeling.backtest_periods p ON p.model_id = s.model_id"
            " WHERE r.triggered_by = 'backtest'"
            " AND s.race_date NOT BETWEEN p.period_from AND p.period_to").fetchone()
    assert [(r[0], r[1]) for r in rows] == [(dt.date(2019, 4, 1), dt.date(2019, 4, 30)),
                                            (dt.date(2019, 5, 1), dt.date(2019, 5, 30))]
    for lo, _hi, train_from, train_to, test_from, cal_to, read_to in rows:
        assert train_from == SPEC.train_from
        assert train_to == lo - dt.timedelta(days=1) and test_from == lo
        # the last day any slice read lies before the period
        assert dt.date.fromisoformat(cal_to) < lo and dt.date.fromisoformat(read_to) < lo
    assert outside == (0,)


def test_deleting_a_period_leaves_its_model_unchanged(
        backtested: Backtested, server: ServerHandle, synth_template: str) -> None:
    last = backtested.periods[-1]
    with psycopg.connect(backtested.conninfo) as conn:
        row = conn.execute("SELECT artifact, feature_names FROM modeling.models"
                           " WHERE model_id = %s", (last.model_id,)).fetchone()
    assert row is not None
    with private_copy(server, synth_template) as settings, \
            psycopg.connect(settings.conninfo()) as conn:
        gone = conn.execute("DELETE FROM racing.races WHERE race_date BETWEEN %s AND %s",
                            (last.period.date_from, last.period.date_to)).rowcount
        conn.commit()
        assert gone > 0
        analyse(settings.conninfo())
        again = fit_training_window(conn, SPEC.train_spec(last.period))
    assert again.names == list(row[1])
    assert again.artifact == bytes(row[0])
