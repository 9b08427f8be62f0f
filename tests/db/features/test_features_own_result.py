"""A race's own result, starting price and post-off odds never reach its feature rows."""

from __future__ import annotations

import psycopg

from tests.db.features.util import feature_rows, middle_race, rebuild


def next_runs(conn: psycopg.Connection, race_id: int) -> list[tuple[int, int]]:
    """(race_id, horse_id) of each runner's next run after this race."""
    return [(int(r), int(h)) for r, h in conn.execute(
        """SELECT DISTINCT ON (ru.horse_id) ru.race_id, ru.horse_id
             FROM racing.runners ru JOIN racing.races ra USING (race_id)
            WHERE ru.horse_id IN (SELECT horse_id FROM racing.runners WHERE race_id = %s)
              AND ra.off_time > (SELECT off_time FROM racing.races WHERE race_id = %s)
            ORDER BY ru.horse_id, ra.off_time""", (race_id, race_id)).fetchall()]


def rows_of(conn: psycopg.Connection, keys: list[tuple[int, int]]) -> list[tuple[object, ...]]:
    return [tuple(r) for r in conn.execute(
        "SELECT * FROM modeling.runner_features WHERE (race_id, horse_id) IN "
        "(SELECT * FROM unnest(%s::bigint[], %s::bigint[])) ORDER BY race_id, horse_id",
        ([k[0] for k in keys], [k[1] for k in keys])).fetchall()]


def test_changing_own_result_sp_and_post_off_odds_changes_nothing(
        synth_conn: psycopg.Connection) -> None:
    race_id, _ = middle_race(synth_conn)
    before = feature_rows(synth_conn, race_id)
    later = next_runs(synth_conn, race_id)
    later_before = rows_of(synth_conn, later)
    assert before and later
    # Reverse the finishing order, change beaten distances, SP, the running positions (all
    # lead at every call) and sectionals (the last one 5 s slower), add in-running prices.
    synth_conn.execute(
        """UPDATE racing.runners r SET finish_pos = f.n + 1 - r.finish_pos,
                  beaten_lengths = coalesce(r.beaten_lengths, 0) + 3, sp_decimal = 99,
                  running_positions = array_fill(1::smallint,
                                                 ARRAY[cardinality(r.running_positions)]),
                  sectional_times = r.sectional_times[:cardinality(r.sectional_times) - 1]
                                    || (r.sectional_times[cardinality(r.sectional_times)]
                                        + 5 * (r.horse_id %% 2))::real
             FROM (SELECT count(*) AS n FROM racing.runners
                    WHERE race_id = %s AND finish_pos IS NOT NULL) f
            WHERE r.race_id = %s AND r.finish_pos IS NOT NULL""", (race_id, race_id))
    synth_conn.execute(
        """INSERT INTO racing.odds (race_id, horse_id, observed_at, source, source_kind,
                                    decimal_odds)
           SELECT ru.race_id, ru.horse_id, ra.off_time + interval '1 minute', 'inplay',
                  'exchange', 1.5 + ru.horse_id %% 50
             FROM racing.runners ru JOIN racing.races ra USING (race_id)
            WHERE ru.race_id = %s""", (race_id,))
    rebuild(synth_conn)
    assert feature_rows(synth_conn, race_id) == before
    # The mutation was real: the same horses' next runs now see a different history.
    assert rows_of(synth_conn, later) != later_before
