"""A signal for a date with no month partition lands in signals_default and is reported, by
housekeeping (an alert) and by doctor; creating its month moves it out."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg import doctor
from hrdpg.config import Settings
from tests.db.partitions.rows import add_model, add_signals

STRAY = dt.date(2011, 2, 3)  # long before every partition the migration and housekeeping make


def _stray_row(conn: psycopg.Connection) -> None:
    add_signals(conn, add_model(conn), STRAY, STRAY, per_day=1)
    conn.commit()


def test_stray_signal_lands_in_default(conn: psycopg.Connection) -> None:
    _stray_row(conn)
    assert conn.execute("SELECT tableoid::regclass::text, race_date FROM modeling.signals"
                        ).fetchall() == [("modeling.signals_default", STRAY)]


def test_housekeeping_alerts_on_default_rows(conn: psycopg.Connection) -> None:
    _stray_row(conn)
    res = conn.execute("SELECT modeling.housekeeping(now())").fetchone()
    conn.commit()
    assert res is not None and res[0]["signals_default_rows"] == 1
    alerts = conn.execute("SELECT severity, details FROM modeling.alerts "
                          "WHERE category = 'signals_default'").fetchall()
    assert alerts == [("warning", {"rows": 1, "first_date": str(STRAY),
                                   "last_date": str(STRAY)})]


def test_doctor_warns_on_default_rows(db: Settings) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        _stray_row(conn)
    report = doctor.run(db)
    assert [w for w in report.warnings if "signals_default" in w] == [
        f"1 signals (race dates {STRAY} .. {STRAY}) are in signals_default, outside every "
        "month partition: run SELECT modeling.create_signal_partitions"
        f"('{STRAY}', '{STRAY}')"]


def test_creating_the_month_moves_default_rows(conn: psycopg.Connection) -> None:
    _stray_row(conn)
    before = conn.execute("SELECT s::text FROM modeling.signals s").fetchall()
    made = conn.execute("SELECT modeling.create_signal_partitions(%s, %s)",
                        (STRAY, STRAY)).fetchone()
    conn.commit()
    assert made == ([f"signals_p{STRAY:%Y%m}"],)
    assert conn.execute("SELECT tableoid::regclass::text FROM modeling.signals").fetchall() == [
        (f"modeling.signals_p{STRAY:%Y%m}",)]
    assert conn.execute("SELECT s::text FROM modeling.signals s").fetchall() == before
