"""score_range's binary-COPY publish: the rows of the upsert path, and the same integrity."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest
from hrdpg_pl import copy_binary

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import TEST_FROM, install, trained

TO = TEST_FROM + dt.timedelta(days=5)
# Every published value (run_id and created_at differ between runs by construction).
VALUES = ("as_of, race_id, horse_id, model_id, race_date, off_time, p_win, p_model, p_place, "
          "ew_places, ew_fraction, fair_win_odds, fair_place_odds, best_win_odds, "
          "best_odds_source, best_odds_at, edge_win, edge_each_way, kelly_fraction, "
          "stake_fraction, liquidity_ok, reasons_json::text, stake_withheld, feature_version, "
          "alias")
# A user trigger on signals: replica mode would skip it, so its presence forces the upsert.
TRIGGER = """
CREATE TABLE public.seen (n int);
CREATE FUNCTION public.count_rows() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO public.seen VALUES (1); RETURN NEW; END $$;
CREATE TRIGGER count_rows AFTER INSERT ON modeling.signals
   FOR EACH ROW EXECUTE FUNCTION public.count_rows();
"""


def backfill(settings: Settings) -> None:
    """Both paths read one refresh of the store: a refresh's race-relative features (a value
    minus its race's mean) can differ in the last bits from the previous refresh's."""
    with psycopg.connect(settings.conninfo(), autocommit=True) as conn:
        conn.execute("CALL modeling.score_range(%s, %s, 3, refresh_features => false)",
                     (TEST_FROM, TO))


def published(conn: psycopg.Connection) -> tuple[list[tuple[object, ...]],
                                                 list[tuple[object, ...]]]:
    rows = conn.execute(f"SELECT {VALUES} FROM modeling.signals ORDER BY 1, 2, 3, 4"  # noqa: S608
                        ).fetchall()
    dq = conn.execute("SELECT race_id, check_name, passed, blocked, details::text "
                      "FROM modeling.dq_results ORDER BY 1, 2, 5").fetchall()
    conn.commit()
    return rows, dq


def publish_path(conn: psycopg.Connection) -> set[str]:
    """Which publish the newest score_range ran: its stage timings name it."""
    got = conn.execute("SELECT timings_ms FROM modeling.runs WHERE kind = 'score_range' "
                       "ORDER BY run_id DESC LIMIT 1").fetchone()
    conn.commit()
    assert got is not None
    return set(got[0]) & {"copy", "upsert"}


def test_copy_publish_writes_the_upsert_rows(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (TEST_FROM, TO))
    synth_conn.execute(TRIGGER)
    synth_conn.commit()
    backfill(synth_db)  # the trigger is there: the row-by-row upsert
    by_upsert = published(synth_conn)
    assert publish_path(synth_conn) == {"upsert"}
    fired = synth_conn.execute("SELECT count(*) FROM public.seen").fetchone()
    synth_conn.execute("DROP TRIGGER count_rows ON modeling.signals")
    synth_conn.execute("TRUNCATE modeling.signals, modeling.signals_newest, "
                       "modeling.dq_results")
    synth_conn.commit()
    backfill(synth_db)  # no user trigger, empty table: the binary COPY
    by_copy = published(synth_conn)
    assert publish_path(synth_conn) == {"copy"}
    # The COPY runs in replica mode; the newest-publication table still advanced.
    newest, derived = (synth_conn.execute(q).fetchall() for q in (
        "SELECT alias, race_date, race_id, as_of FROM modeling.signals_newest ORDER BY 1, 2, 3",
        "SELECT alias, race_date, race_id, max(as_of) FROM modeling.signals "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"))
    assert newest == derived and len(derived) > 0
    assert fired is not None and fired[0] == len(by_upsert[0]) > 0
    assert by_copy == by_upsert


def test_a_rerun_takes_the_upsert_and_writes_the_same_rows(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str) -> None:
    """A range scored again at the same as_of finds its keys taken: the COPY would fail on the
    unique key, so the precheck must see them (in their race_date's partition) and upsert."""
    install(synth_conn, trained(server, synth_template))
    synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (TEST_FROM, TO))
    synth_conn.commit()
    backfill(synth_db)
    first, _ = published(synth_conn)
    assert publish_path(synth_conn) == {"copy"}
    backfill(synth_db)
    assert publish_path(synth_conn) == {"upsert"}
    again, _ = published(synth_conn)
    assert again == first and len(first) > 0


def test_copy_publish_keeps_the_foreign_keys(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str) -> None:
    model_id = install(synth_conn, trained(server, synth_template))
    synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (TEST_FROM, TO))
    synth_conn.commit()
    backfill(synth_db)
    run = synth_conn.execute("SELECT run_id FROM modeling.runs WHERE kind = 'score_range'"
                             ).fetchone()
    role = synth_conn.execute("SHOW session_replication_role").fetchone()
    synth_conn.commit()
    assert run is not None and role == ("origin",)
    # The referenced side still enforces: the model cannot go while its signals exist ...
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        synth_conn.execute("DELETE FROM modeling.models WHERE model_id = %s", (model_id,))
    synth_conn.rollback()
    # ... and deleting the run applies signals' ON DELETE SET NULL and dq_results' CASCADE.
    synth_conn.execute("DELETE FROM modeling.runs WHERE run_id = %s", (run[0],))
    left = synth_conn.execute(
        "SELECT (SELECT count(*) FROM modeling.signals WHERE run_id IS NOT NULL), "
        "(SELECT count(*) FROM modeling.signals), (SELECT count(*) FROM modeling.dq_results)"
    ).fetchone()
    assert left is not None and left[0] == 0 and left[1] > 0 and left[2] == 0


MISSING_RUN = """
DO LANGUAGE plpython3u $$
from hrdpg_pl import scoring_bulk, scoring_fetch, scoring_publish
races = scoring_fetch.races(plpy, '%(day)s', '%(day)s', None)
batch = scoring_publish.SignalBatch(races, %(run)s, 'v')
batch.model_slot(%(model)s, 'production')
scoring_bulk.write(plpy, batch, [])
$$
"""


@pytest.mark.parametrize("missing", ["run", "model"])
def test_copy_publish_refuses_a_missing_reference(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str,
        missing: str) -> None:
    """What the per-row checks would have refused, checked once per chunk."""
    model_id = install(synth_conn, trained(server, synth_template))
    run = synth_conn.execute("INSERT INTO modeling.runs (kind) VALUES ('score_range') "
                             "RETURNING run_id").fetchone()
    assert run is not None
    ids = {"run": run[0], "model": model_id, missing: 987654321}
    with pytest.raises(psycopg.Error, match=f"{missing}.* not .*in modeling"):
        synth_conn.execute(MISSING_RUN % {"day": TEST_FROM, **ids})
    synth_conn.rollback()


def test_numeric_encoding_matches_the_sql_cast(synth_conn: psycopg.Connection) -> None:
    """ew_fraction travels as numeric(4, 3): the stream must hold what float8::numeric(4, 3)
    gives, including halves and values near a rounding edge."""
    values = [0.25, 1 / 3, 0.2, 1.0, 0.0005, 0.3335, 0.1235, 0.9995, 2 / 3, 0.125, 0.0015]
    synth_conn.execute("CREATE TEMP TABLE n (i int4, v numeric(4, 3))")
    with synth_conn.cursor().copy("COPY n FROM STDIN (FORMAT binary)") as cp:
        cp.write(copy_binary.encode([copy_binary.int4(np.arange(len(values))),
                                     copy_binary.numeric(values, 3)]))
    got = synth_conn.execute(
        "SELECT n.v, u.x::numeric(4, 3) FROM n JOIN unnest(%s::float8[]) WITH ORDINALITY "
        "AS u(x, o) ON u.o = n.i + 1 ORDER BY n.i", (values,)).fetchall()
    assert len(got) == len(values) and [g for g, _ in got] == [w for _, w in got]
