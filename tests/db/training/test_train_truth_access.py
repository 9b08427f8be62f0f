"""The Bayes comparison reads synth.runner_truth only where the login may: a trainer login
trains on a synthetic world without it (as in the trainer image), the owner gets it."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from hrdpg.config import Settings
from hrdpg.trainer.evaluate import truth_readable
from tests.conftest import ServerHandle
from tests.db.security.roles import login_as

TRUTH = "SELECT count(*) FROM synth.runner_truth"


def test_owner_reads_the_truth(synth_db: Settings) -> None:
    with psycopg.connect(synth_db.conninfo()) as conn:
        assert conn.execute(TRUTH).fetchone()[0] > 0  # type: ignore[index]
        assert truth_readable(conn)


def test_trainer_login_skips_the_truth_it_may_not_read(
        server: ServerHandle, synth_db: Settings) -> None:
    with login_as(server, synth_db, "hrdpg_trainer") as trainer:
        assert not truth_readable(trainer)
        with pytest.raises(errors.InsufficientPrivilege):
            trainer.execute(TRUTH)


def test_no_synthetic_world_no_truth(db: Settings) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        assert conn.execute("SELECT to_regnamespace('synth')").fetchone() == (None,)
        assert not truth_readable(conn)
