"""modeling.signals_newest (what latest_signals joins) stays the newest as_of per alias and race
through inserts, a replay at an earlier as_of, updates that move a publication, rows moved out
of the default partition and a dropped month; after a DELETE by hand, repair_signals_newest
puts it right."""

from __future__ import annotations

import datetime as dt

import psycopg

from tests.db.partitions.rows import add_model, add_signals, newest_is_exact

FIRST = dt.date(2021, 5, 28)
LAST = dt.date(2021, 6, 3)


def test_newest_follows_inserts_and_updates(conn: psycopg.Connection) -> None:
    conn.execute("SELECT modeling.create_signal_partitions(%s, %s)", (FIRST, LAST))
    model = add_model(conn)
    add_signals(conn, model, FIRST, LAST)
    assert newest_is_exact(conn)
    # A replay an hour earlier than every publication leaves the newest alone.
    conn.execute("INSERT INTO modeling.signals (as_of, race_id, horse_id, model_id, race_date, "
                 "off_time, p_win, fair_win_odds, feature_version) "
                 "SELECT as_of - interval '1 hour', race_id, horse_id, model_id, race_date, "
                 "off_time, p_win, fair_win_odds, feature_version FROM modeling.signals "
                 "WHERE race_date = %s", (FIRST,))
    assert newest_is_exact(conn)
    conn.execute("UPDATE modeling.signals SET as_of = as_of + interval '3 hours' "
                 "WHERE race_date = %s AND horse_id = 1", (LAST,))
    assert newest_is_exact(conn)
    conn.execute("DELETE FROM modeling.signals s WHERE s.race_date = %s AND s.as_of = "
                 "(SELECT max(as_of) FROM modeling.signals WHERE race_date = %s)", (LAST, LAST))
    conn.execute("DELETE FROM modeling.signals WHERE race_date = %s", (FIRST,))
    conn.execute("SELECT modeling.repair_signals_newest(%s, %s)", (FIRST, LAST))
    assert newest_is_exact(conn)


def test_newest_after_moves_and_drops(conn: psycopg.Connection) -> None:
    add_signals(conn, add_model(conn), FIRST, LAST)  # no partitions yet: all in the default
    conn.execute("SELECT modeling.create_signal_partitions(%s, %s)", (FIRST, LAST))
    assert conn.execute("SELECT count(*) FROM modeling.signals_default").fetchone() == (0,)
    assert newest_is_exact(conn)
    conn.execute("SELECT modeling.drop_signal_partitions(%s)", (dt.date(2021, 6, 1),))
    assert newest_is_exact(conn)
