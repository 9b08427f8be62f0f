"""Scoring refuses server modules other than those the database was migrated with."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.serverenv import engine_source_hash
from tests.conftest import ServerHandle
from tests.db.scoring.world import install, score, trained


def test_score_refuses_modules_of_another_checkout(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    assert synth_conn.execute("SELECT modeling.installed_engine_hash()").fetchone() \
        == (engine_source_hash(),)
    # As if the checkout moved on and migrated, while the server kept its old modules.
    synth_conn.execute("CREATE OR REPLACE FUNCTION modeling.installed_engine_hash() "
                       "RETURNS text LANGUAGE sql IMMUTABLE RETURN 'a-newer-checkout'")
    synth_conn.commit()
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState,
                       match="not the ones this database was migrated with"):
        score(synth_conn)
    synth_conn.rollback()
    assert synth_conn.execute("SELECT count(*) FROM modeling.signals").fetchone() == (0,)
