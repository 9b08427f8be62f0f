"""The API reader logs in and reads modeling.latest_signals, and nothing else: no scoring, no
model artifacts, no signals table, no writes, no engine function (internal or trigger)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, install, score, trained
from tests.db.security.roles import denied, login_as, modeling_functions

ALL_TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER"


def test_reader_reads_latest_signals_and_nothing_else(
        server: ServerHandle, synth_template: str, synth_db: Settings,
        synth_conn: psycopg.Connection) -> None:
    install(synth_conn, trained(server, synth_template))
    published = score(synth_conn)
    assert published > 0
    with login_as(server, synth_db, "hrdpg_reader") as api:
        row = api.execute("SELECT count(*), count(DISTINCT race_id) FROM modeling.latest_signals"
                          " WHERE race_date = %s", (DAY,)).fetchone()
        assert row is not None and row[0] == published and row[1] > 0
        assert "function score_day" in denied(api, "SELECT modeling.score_day(%s)",
                                                       (DAY,))
        denied(api, "SELECT artifact FROM modeling.models")
        denied(api, "SELECT count(*) FROM modeling.signals")
        denied(api, "DELETE FROM modeling.signals")
        # The view is a join (not updatable) and the reader holds SELECT only: refused either way.
        with pytest.raises((errors.InsufficientPrivilege, errors.ObjectNotInPrerequisiteState)):
            api.execute(b"UPDATE modeling.latest_signals SET p_win = 0.5")
        denied(api, "SELECT modeling.tick()")
        denied(api, "SELECT count(*) FROM modeling.runs")
        denied(api, "SELECT count(*) FROM racing.races")
    # Nothing new appeared behind the reader's back.
    assert synth_conn.execute("SELECT count(*) FROM modeling.signals WHERE race_date = %s"
                              " AND p_win = 0.5", (DAY,)).fetchone() == (0,)


def test_reader_holds_no_other_privilege(conn: psycopg.Connection) -> None:
    """Catalogue-wide, so a table or function added later is covered too."""
    relations = conn.execute(
        "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE n.nspname IN ('modeling', 'racing')"
        " AND c.relkind IN ('r', 'p', 'v', 'm', 'f')").fetchall()
    assert len(relations) > 10
    held = {}
    for (rel,) in relations:
        for privilege in ALL_TABLE_PRIVILEGES.split(", "):
            row = conn.execute("SELECT has_table_privilege('hrdpg_reader', %s, %s)",
                               (rel, privilege)).fetchone()
            if row == (True,):
                held.setdefault(rel, []).append(privilege)
    assert held == {"modeling.latest_signals": ["SELECT"]}
    callable_ = [sig for _, sig in modeling_functions(conn)
                 if conn.execute("SELECT has_function_privilege('hrdpg_reader', %s::regprocedure,"
                                 " 'EXECUTE')", (sig,)).fetchone() == (True,)]
    assert callable_ == []
