"""Views read by lower roles do not leak the rows they filter out: a reader's own cheap function
in the WHERE clause sees only what the view returns (security_barrier, checked for every view
in modeling, so a new one is covered)."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.monitoring.world import add_model, add_signals
from tests.db.security.roles import login_as

PEEK = """
CREATE FUNCTION mine.peek(model_id bigint, as_of timestamptz) RETURNS boolean
LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    RAISE NOTICE 'peek % %', model_id, as_of;
    RETURN true;
END $$"""


QUERIES = [
    "SELECT count(*) FROM modeling.latest_signals WHERE mine.peek(model_id, as_of)",
    "SELECT count(*) FROM modeling.latest_signals"
    " WHERE race_date IS NOT NULL AND mine.peek(model_id, as_of)",
    "SELECT count(*) FROM modeling.latest_signals WHERE mine.peek(model_id, as_of) OR model_id < 0",
]


def test_every_modeling_view_is_a_security_barrier(conn: psycopg.Connection) -> None:
    """All but the open views, which hide no row from their readers (modeling.open_views)."""
    rows = conn.execute(
        "SELECT c.relname::text, coalesce('security_barrier=true' = ANY (c.reloptions), false)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'modeling' AND c.relkind = 'v'"
        " AND c.relname NOT IN (SELECT view_name FROM modeling.open_views)").fetchall()
    assert "latest_signals" in {name for name, _ in rows}
    assert [name for name, barrier in rows if not barrier] == []


def test_open_views_hide_nothing_from_their_readers(conn: psycopg.Connection) -> None:
    """The reference source views filter no row; runner_features leaves out non-runners, which
    every one of its readers may read in src_runners."""
    views = [r[0] for r in conn.execute(
        "SELECT view_name::text FROM modeling.open_views WHERE view_name LIKE 'src%'").fetchall()]
    assert {"src_races", "src_runners", "src_odds", "src_runner_names"} <= set(views)
    for view in views:
        definition = conn.execute("SELECT pg_get_viewdef(%s::regclass)",
                                  (f"modeling.{view}",)).fetchone()[0]
        assert "WHERE" not in definition.upper() and "JOIN" not in definition.upper(), view
    readers = dict(conn.execute("SELECT relation_name, granted_to FROM modeling.relation_grants "
                                "WHERE relation_name IN ('runner_features', 'src_runners')"
                                ).fetchall())
    assert set(readers["runner_features"]) <= set(readers["src_runners"])


def test_reader_function_sees_only_the_rows_latest_signals_returns(
        server: ServerHandle, synth_db: Settings, synth_conn: psycopg.Connection) -> None:
    production, challenger = add_model(synth_conn), add_model(synth_conn)
    add_signals(synth_conn, production)
    add_signals(synth_conn, challenger)
    # The challenger's rows and an older production publication are what the view hides.
    synth_conn.execute("UPDATE modeling.signals SET alias = 'challenger' WHERE model_id = %s",
                       (challenger,))
    synth_conn.execute(
        "INSERT INTO modeling.signals (as_of, race_id, horse_id, model_id, race_date, off_time, "
        "p_win, fair_win_odds, feature_version) SELECT as_of - interval '1 hour', race_id, "
        "horse_id, model_id, race_date, off_time, p_win, fair_win_odds, feature_version "
        "FROM modeling.signals WHERE model_id = %s", (production,))
    synth_conn.commit()
    visible = {(m, a) for m, a in synth_conn.execute(
        "SELECT DISTINCT model_id, as_of FROM modeling.latest_signals").fetchall()}
    hidden = {(m, a) for m, a in synth_conn.execute(
        "SELECT DISTINCT model_id, as_of FROM modeling.signals").fetchall()} - visible
    assert visible and hidden

    seen: set[tuple[int, str]] = set()
    with login_as(server, synth_db, "hrdpg_reader", create_schema=True) as reader:
        reader.execute("CREATE SCHEMA mine")
        reader.execute(PEEK)
        reader.add_notice_handler(
            lambda d: seen.add((int(d.message_primary.split()[1]),
                                " ".join(d.message_primary.split()[2:]))))
        reader.execute("SET TimeZone = 'UTC'")
        for query in QUERIES:
            reader.execute(query)
    assert seen
    shown = {(m, a.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S+00"))
             for m, a in visible}
    assert seen <= shown
    assert not {m for m, _ in seen} & {challenger}
