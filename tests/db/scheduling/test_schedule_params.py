"""A schedule job's params are checked against what its kind reads (modeling.schedule_defaults),
and the defaults live there alone."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors


@pytest.mark.parametrize(("job", "params"), [
    ("refresh", '{"near_evry": 2}'),          # misspelt
    ("refresh", '{"far_every": "10"}'),        # a number as text
    ("morning", '{"score_function": "x"}'),    # a key that no longer exists
    ("housekeeping", '{"goal": 0.5}'),         # another kind's key
])
def test_unknown_or_mistyped_params_are_refused(conn: psycopg.Connection, job: str,
                                                params: str) -> None:
    with pytest.raises(errors.InvalidParameterValue, match="unknown or mistyped params") as info:
        conn.execute("UPDATE modeling.schedule SET params = params || %s::jsonb WHERE job = %s",
                     (params, job))
    assert "reads:" in (info.value.diag.message_hint or "")


def test_seeded_jobs_carry_only_known_params(conn: psycopg.Connection) -> None:
    rows = conn.execute("SELECT job, params, modeling.schedule_defaults(kind) "
                        "FROM modeling.schedule").fetchall()
    assert rows and all(set(params) <= set(defaults) for _, params, defaults in rows)
