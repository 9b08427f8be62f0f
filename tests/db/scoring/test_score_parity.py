"""score_day's probabilities equal the trainer's own predictions for the same rows."""

from __future__ import annotations

from collections import defaultdict

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, expected_p, install, score, signals, trained


def test_in_db_probabilities_match_trainer(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    result = trained(server, synth_template)
    model_id = install(synth_conn, result)
    names = list(result.metrics["feature_importance_gain"])
    published = score(synth_conn)
    got = signals(synth_conn, model_id=model_id)
    want = expected_p(synth_conn, result, DAY, names)
    assert published == len(got) == len(want) > 100
    assert set(got) == set(want)
    worst = max(abs(got[k]["p_win"] - want[k]) for k in want)
    assert worst <= 1e-6
    sums: dict[int, float] = defaultdict(float)
    for (race, _), row in got.items():
        sums[race] += row["p_win"]
    assert all(abs(s - 1.0) < 1e-9 for s in sums.values())
    run = synth_conn.execute(
        "SELECT status, rows_out, races_published, races_blocked, timings_ms, model_id "
        "FROM modeling.runs WHERE kind = 'score_day'").fetchone()
    assert run is not None
    status, rows_out, pub, blocked, timings, mid = run
    assert (status, rows_out, blocked, mid) == ("ok", len(got), 0, model_id)
    assert pub == len(sums)
    assert {"load", "features", "fetch", "infer", "price", "dq", "upsert", "total"} <= set(timings)
