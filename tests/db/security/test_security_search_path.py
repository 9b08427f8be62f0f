"""A caller who controls a schema (and its temp schema) and puts it first on its search_path
cannot change what an engine function does: same-named functions, operators and tables are
never used, and the results equal a clean run's."""

from __future__ import annotations

import psycopg
from psycopg import sql

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, LATE, install, score, signals, trained
from tests.db.security.roles import login_as

# Each trap records its use in evil.hijacks (the engine runs as a superuser, so the insert
# would succeed) and returns a wrong answer.
TRAP = "BEGIN INSERT INTO evil.hijacks VALUES ({name!r}); RETURN {value}; END"
TRAPS = {  # name, arguments, result type, wrong value
    "now": ("", "timestamptz", "'2000-01-01'"),
    "clock_timestamp": ("", "timestamptz", "'2000-01-01'"),
    "abs": ("x double precision", "double precision", "0"),
    "exp": ("x double precision", "double precision", "1"),
    "ln": ("x double precision", "double precision", "0"),
    "hashtext": ("x text", "integer", "0"),
    "format": ("x text, y text", "text", "'SELECT 1'"),
    "feature_version": ("", "text", "'forged'"),
}
SHADOW_TABLES = ["signals", "runs", "models", "model_aliases", "runner_features",
                 "feature_catalog", "src_races", "src_runners", "src_odds", "feature_store"]


def arm(conn: psycopg.Connection) -> None:
    conn.execute("CREATE SCHEMA evil")
    conn.execute("CREATE TABLE evil.hijacks (what text)")
    conn.execute("GRANT INSERT ON evil.hijacks TO PUBLIC")
    for name, (args, result, value) in TRAPS.items():
        create = sql.SQL("CREATE FUNCTION evil.{}({}) RETURNS {} LANGUAGE plpgsql AS {}")
        conn.execute(create.format(sql.Identifier(name), sql.SQL(args), sql.SQL(result),
                                   sql.Literal(TRAP.format(name=name, value=value))))
    conn.execute("CREATE FUNCTION evil.eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS "
                 "$$BEGIN INSERT INTO evil.hijacks VALUES ('='); RETURN false; END$$")
    conn.execute("CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.eq)")
    for table in SHADOW_TABLES:
        for schema in ("evil", "pg_temp"):
            name = sql.Identifier(schema, table)
            conn.execute(sql.SQL("CREATE TABLE {} (race_id bigint, x text)").format(name))
            conn.execute(sql.SQL("INSERT INTO {} VALUES (1, 'forged')").format(name))
    conn.execute("SET search_path = evil, pg_temp, pg_catalog, modeling")


def test_search_path_tricks_change_nothing(
        server: ServerHandle, synth_template: str, synth_db: Settings,
        synth_conn: psycopg.Connection) -> None:
    install(synth_conn, trained(server, synth_template))
    clean = score(synth_conn)
    synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (DAY, DAY))
    features_before = features_digest(synth_conn)
    synth_conn.commit()
    attacked_as_of = "2020-01-02 00:00+00"
    with login_as(server, synth_db, "hrdpg_scorer", create_schema=True,
                  temp=True) as attacker:
        arm(attacker)
        # The traps are live for the attacker's own queries ...
        assert attacker.execute("SELECT now() = '2000-01-01'::timestamptz").fetchone() == (True,)
        attacker.execute("DELETE FROM evil.hijacks")
        # ... but not inside the engine.
        row = attacker.execute("SELECT modeling.score_day(%s, %s)",
                               (DAY, attacked_as_of)).fetchone()
        assert row == (clean,)
        attacker.execute("SELECT modeling.refresh_features(%s, %s)", (DAY, DAY))
        tick = attacker.execute("SELECT modeling.tick()").fetchone()
        assert tick is not None and tick[0]["skipped"] is False
        hijacks = attacker.execute("SELECT array_agg(what) FROM evil.hijacks").fetchone()
        assert hijacks == (None,)
    assert features_digest(synth_conn) == features_before
    base, attacked = signals(synth_conn, as_of=LATE), signals(synth_conn, as_of=attacked_as_of)
    assert set(attacked) == set(base)
    for key, value in base.items():
        assert attacked[key]["p_win"] == value["p_win"]
        assert attacked[key]["fair_win_odds"] == value["fair_win_odds"]
    assert synth_conn.execute("SELECT count(*) FROM modeling.signals WHERE race_id = 1"
                              ).fetchone() == (0,)


def features_digest(conn: psycopg.Connection) -> str:
    """The day's features; computed_at must be the real clock, not the trap's year 2000."""
    row = conn.execute("SELECT md5(string_agg((to_jsonb(f) - 'computed_at')::text, '|'"
                       " ORDER BY race_id, horse_id)), min(computed_at) > '2020-01-01'"
                       " FROM modeling.feature_store f WHERE race_date = %s", (DAY,)).fetchone()
    assert row is not None and row[0] is not None and row[1] is True
    return str(row[0])
