"""Definer code uses nothing the caller's session can create or set: no temp objects, no
function named by writable configuration, no text form of a date or interval that a session
setting changes. Checked over the catalogue (so a new function is covered) and as attacks."""

from __future__ import annotations

import re

import psycopg
import pytest
from psycopg import errors

from hrdpg.config import PROJECT_ROOT, Settings
from tests.conftest import ServerHandle
from tests.db.monitoring.world import DAY, add_model, add_signals
from tests.db.scheduling.stubs import add_races, local, tick
from tests.db.security.roles import login_as

SESSION_OBJECTS = re.compile(
    r"CREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s|\bpg_temp\s*\.|::\s*regproc", re.I)
ENGINE_MODULES = PROJECT_ROOT / "plpython" / "hrdpg_pl"


def test_no_definer_function_reaches_session_objects(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        "SELECT p.oid::regprocedure::text, p.prosrc FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'modeling' AND p.prosecdef").fetchall()
    assert rows
    assert [sig for sig, src in rows if SESSION_OBJECTS.search(src)] == []


def test_engine_modules_create_their_own_temp_tables_only() -> None:
    """The PL/Python modules run as the owner: a temp table they create must be new (no IF NOT
    EXISTS, which would adopt one the caller planted) and dropped at commit."""
    creates = [m for f in ENGINE_MODULES.glob("*.py")
               for m in re.finditer(r"CREATE\s+TEMP(ORARY)?\s+TABLE[^\n]*", f.read_text(), re.I)]
    assert creates  # history.py stages its fold in two
    bad = [m.group(0) for m in creates
           if "IF NOT EXISTS" in m.group(0).upper() or "ON COMMIT DROP" not in m.group(0).upper()]
    assert bad == []


@pytest.mark.parametrize("group", ["hrdpg_reader", "hrdpg_scorer", "hrdpg_trainer"])
def test_lower_roles_cannot_create_temp_objects(server: ServerHandle, db: Settings,
                                                group: str) -> None:
    with login_as(server, db, group) as attacker:
        for statement in ("CREATE TEMP TABLE hrdpg_mon_rows (x int)",
                          "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql RETURN 1"):
            with pytest.raises(errors.InsufficientPrivilege):
                attacker.execute(statement)


TRAP = """
CREATE FUNCTION pg_temp.pwn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I SUPERUSER', session_user);
    RETURN NEW;
END $$;
CREATE TEMP TABLE hrdpg_mon_rows (race_id bigint, horse_id bigint, p float8, won int,
                                  odds float8, market_p float8);
CREATE TEMP TABLE hrdpg_drift_vals (feature text, v float8);
CREATE TEMP TABLE hrdpg_pending (race_id bigint, off_time timestamptz, race_date date);
CREATE TRIGGER pwn BEFORE INSERT OR UPDATE OR DELETE ON hrdpg_mon_rows
    FOR EACH ROW EXECUTE FUNCTION pg_temp.pwn();
CREATE TRIGGER pwn BEFORE INSERT OR UPDATE OR DELETE ON hrdpg_drift_vals
    FOR EACH ROW EXECUTE FUNCTION pg_temp.pwn();
CREATE TRIGGER pwn BEFORE INSERT OR UPDATE OR DELETE ON hrdpg_pending
    FOR EACH ROW EXECUTE FUNCTION pg_temp.pwn();
"""


def is_superuser(conn: psycopg.Connection, login: str) -> bool:
    row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
    return bool(row and row[0])


def test_owner_temp_table_traps_are_never_used(server: ServerHandle, synth_db: Settings,
                                               synth_conn: psycopg.Connection) -> None:
    """The owner keeps TEMP (the loaders need it); monitoring and the history fold must still
    not run its triggers as the function owner."""
    model_id = add_model(synth_conn)
    assert add_signals(synth_conn, model_id) > 0
    with login_as(server, synth_db, "hrdpg_owner") as owner:
        login = owner.info.user
        owner.execute(TRAP)
        result = owner.execute("SELECT modeling.monitor_day(%s)", (DAY,)).fetchone()
        assert result is not None and result[0]["models"][0]["model_id"] == model_id
        try:
            owner.execute("SELECT modeling.refresh_history()")
        except psycopg.Error as exc:  # its own temp table cannot be created: refused, not used
            assert "already exists" in str(exc)
        assert owner.execute("SELECT (SELECT count(*) FROM hrdpg_mon_rows) "
                             "+ (SELECT count(*) FROM hrdpg_drift_vals)").fetchone() == (0,)
        assert not is_superuser(synth_conn, login)


def test_schedule_params_cannot_choose_the_code_tick_runs(server: ServerHandle, db: Settings,
                                                          conn: psycopg.Connection) -> None:
    day = DAY
    add_races(conn, day, ["13:00"])
    with login_as(server, db, "hrdpg_owner") as owner:
        login = owner.info.user
        owner.execute("""
            CREATE FUNCTION pg_temp.evil(race_date date, as_of timestamptz, alias text,
                                         wait boolean, triggered_by text)
            RETURNS bigint LANGUAGE plpgsql AS $$
            BEGIN EXECUTE format('ALTER ROLE %I SUPERUSER', session_user); RETURN 1; END $$""")
        # The key is refused on write; were it in a row, tick would not read it either.
        with pytest.raises(errors.InvalidParameterValue, match="score_function"):
            owner.execute("UPDATE modeling.schedule SET params = params || jsonb_build_object("
                          "'score_function', 'pg_temp.evil') WHERE kind IN ('morning_score', "
                          "'refresh')")
        conn.execute("ALTER TABLE modeling.schedule DISABLE TRIGGER schedule_check_tz")
        conn.execute("UPDATE modeling.schedule SET params = params || jsonb_build_object("
                     "'score_function', 'pg_temp.evil') WHERE kind = 'morning_score'")
        conn.execute("ALTER TABLE modeling.schedule ENABLE TRIGGER schedule_check_tz")
        conn.commit()
        result = tick(owner, local(day, "08:00"))
    assert not is_superuser(conn, login)
    morning = next(d for d in result["decisions"] if d["job"] == "morning")
    assert morning["decision"] in ("ran", "failed") and "evil" not in str(morning)


SETTINGS = ["SET IntervalStyle = sql_standard", "SET IntervalStyle = iso_8601",
            "SET DateStyle = 'Postgres, YMD'", "SET DateStyle = 'SQL, DMY'",
            "SET extra_float_digits = -15"]


def test_session_settings_do_not_change_the_feature_version(conn: psycopg.Connection) -> None:
    reference = conn.execute("SELECT modeling.feature_version()").fetchone()
    for setting in SETTINGS:
        conn.execute(setting)
        assert conn.execute("SELECT modeling.feature_version()").fetchone() == reference, setting
        conn.execute("RESET ALL")


def test_every_pinned_function_pins_date_and_interval_styles(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        "SELECT p.oid::regprocedure::text, coalesce(p.proconfig, '{}') FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'modeling'"
        " AND p.prokind = 'f' AND 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig)"
        ).fetchall()
    unpinned = [sig for sig, config in rows
                if not {"DateStyle=ISO, YMD", "IntervalStyle=postgres"} <= set(config)]
    assert rows and unpinned == []
