"""Adding a later race, with results, changes no earlier feature row."""

from __future__ import annotations

import psycopg

from tests.db.features.util import rebuild, same_row


def test_later_race_leaves_earlier_rows_unchanged(synth_conn: psycopg.Connection) -> None:
    before = synth_conn.execute(
        "SELECT * FROM modeling.runner_features ORDER BY race_id, horse_id").fetchall()
    # Clone the last day's first race one day later, with the same horses and results.
    synth_conn.execute(
        """WITH src AS (SELECT * FROM racing.races ORDER BY off_time DESC LIMIT 1)
           INSERT INTO racing.races
           SELECT race_id + 10000000, race_date + 1, off_time + interval '1 day', course,
                  country, surface, going, distance_m, race_class, race_type, handicap, prize,
                  declared_runners FROM src""")
    synth_conn.execute(
        """INSERT INTO racing.runners
           SELECT race_id + 10000000, horse_id, jockey_id, trainer_id, draw, age, sex,
                  weight_kg, official_rating, speed_figure, non_runner, NULL, NULL, finish_pos,
                  dead_heat, beaten_lengths, status, sp_decimal
             FROM racing.runners
            WHERE race_id = (SELECT race_id FROM racing.races
                              WHERE race_id < 10000000 ORDER BY off_time DESC LIMIT 1)""")
    rebuild(synth_conn)
    after = synth_conn.execute(
        "SELECT * FROM modeling.runner_features WHERE race_id < 10000000 "
        "ORDER BY race_id, horse_id").fetchall()
    assert len(after) == len(before)
    changed = [(a, b) for a, b in zip(after, before, strict=True) if not same_row(a, b)]
    assert changed == []
    added = synth_conn.execute(
        "SELECT count(*) FROM modeling.runner_features WHERE race_id > 10000000").fetchone()
    assert added is not None and added[0] > 0
