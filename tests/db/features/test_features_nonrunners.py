"""Non-runners leave the scored field and every relative-to-field feature."""

from __future__ import annotations

import psycopg

from tests.db.features.util import feature_rows, middle_race


def test_non_runner_is_excluded_from_field(synth_conn: psycopg.Connection) -> None:
    race_id, day = middle_race(synth_conn)
    before = feature_rows(synth_conn, race_id)
    heaviest = synth_conn.execute(
        """SELECT horse_id FROM racing.runners WHERE race_id = %s AND NOT non_runner
            ORDER BY weight_kg DESC, horse_id LIMIT 1""", (race_id,)).fetchone()[0]
    synth_conn.execute(
        "UPDATE racing.runners SET non_runner = true, status = 'non_runner', finish_pos = NULL "
        "WHERE race_id = %s AND horse_id = %s", (race_id, heaviest))
    synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (day, day))
    after = synth_conn.execute(
        "SELECT horse_id, field_size, weight_rel FROM modeling.runner_features "
        "WHERE race_id = %s", (race_id,)).fetchall()
    assert heaviest not in {h for h, _, _ in after}
    assert {fs for _, fs, _ in after} == {len(before) - 1}
    weights = dict(synth_conn.execute(
        "SELECT horse_id, weight_kg::float8 FROM racing.runners WHERE race_id = %s "
        "AND NOT non_runner", (race_id,)).fetchall())
    mean = sum(weights.values()) / len(weights)
    for horse, _, weight_rel in after:
        assert abs(weight_rel - (weights[horse] - mean)) < 1e-9
