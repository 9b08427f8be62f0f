"""A feature definition replaced in the scorer's own session is seen by its next call.

The scorer keeps the feature version per backend and computes it again only when the modeling
schema's definitions changed; these attacks on that memo replace a helper the version covers
between two calls of one backend, once committed and once inside the same transaction.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, LATE, install, score, trained

# Another body for a helper the feature version covers (the catalogue's definitions call it).
CHANGED = ("CREATE OR REPLACE FUNCTION modeling.shrunk_rate(successes double precision, "
           "trials double precision, prior double precision, prior_weight double precision) "
           "RETURNS double precision LANGUAGE sql IMMUTABLE "
           "RETURN (successes + prior * prior_weight + 1) / (trials + prior_weight)")
SCORE = f"SELECT modeling.score_day('{DAY}', %s)"


def _refused(conn: psycopg.Connection, as_of: str) -> str:
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as err:
        conn.execute(SCORE, (as_of,))
    return str(err.value.diag.message_primary)


def _version(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT modeling.feature_version()").fetchone()
    assert row is not None
    return str(row[0])


def test_committed_change_is_refused(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    assert score(synth_conn) > 0
    synth_conn.execute(CHANGED)
    synth_conn.commit()
    changed = _version(synth_conn)
    assert changed in _refused(synth_conn, LATE)  # the version computed afresh, not the memo's
    synth_conn.rollback()


def test_change_within_one_transaction_is_refused(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    synth_conn.commit()
    row = synth_conn.execute(
        "SELECT pg_get_functiondef('modeling.shrunk_rate(float8, float8, float8, float8)'"
        "::regprocedure)").fetchone()
    assert row is not None
    # The same body again: a new row version with this transaction's xmin, the same version.
    synth_conn.execute(row[0])
    assert synth_conn.execute(SCORE, (LATE,)).fetchone() is not None
    synth_conn.execute(CHANGED)  # same transaction, same xmin: only the row's ctid differs
    changed = _version(synth_conn)
    assert changed in _refused(synth_conn, "2019-12-31 00:00+00")
    synth_conn.rollback()
