"""Results arriving race by race leave what a rebuild leaves: a meeting's variant (and so every
figure of the day) is re-derived from the day's races folded so far at each fold, provisional
until the last result is in and then equal, to the bit, to the rebuild's."""

from __future__ import annotations

import psycopg

from tests.db.features.test_history_fold_exact import TABLES, snapshot
from tests.db.features.util import rebuild


def meeting_races(conn: psycopg.Connection, day: object) -> dict[tuple[str, str], int]:
    return {(c, s): n for c, s, n in conn.execute(
        "SELECT course, surface, races FROM modeling.meeting_variant WHERE race_date = %s",
        (day,)).fetchall()}


def test_race_by_race_fold_equals_rebuild(synth_conn: psycopg.Connection) -> None:
    rebuild(synth_conn)
    rebuilt = snapshot(synth_conn)
    day = synth_conn.execute("SELECT max(race_date) FROM modeling.run_history").fetchone()[0]
    final = meeting_races(synth_conn, day)
    assert final and max(final.values()) > 1
    # The day's results are taken away (a rebuild without them), then come back one race at a
    # time in off-time order, each followed by the fold a results feed would trigger.
    results = synth_conn.execute(
        """SELECT ru.race_id, ru.horse_id, ru.status, ru.finish_pos FROM racing.runners ru
             JOIN racing.races ra USING (race_id) WHERE ra.race_date = %s
            ORDER BY ra.off_time, ru.race_id""", (day,)).fetchall()
    races = list(dict.fromkeys(r[0] for r in results))
    synth_conn.execute(
        """UPDATE racing.runners SET status = NULL, finish_pos = NULL
            WHERE race_id IN (SELECT race_id FROM racing.races WHERE race_date = %s)""", (day,))
    synth_conn.execute("SELECT modeling.refresh_history(rebuild => true)")
    assert meeting_races(synth_conn, day) == {}
    seen_provisional = False
    for race_id in races:
        for rid, horse, status, pos in results:
            if rid == race_id:
                synth_conn.execute(
                    "UPDATE racing.runners SET status = %s, finish_pos = %s "
                    "WHERE race_id = %s AND horse_id = %s", (status, pos, rid, horse))
        synth_conn.execute("SELECT modeling.refresh_history()")
        now = meeting_races(synth_conn, day)
        seen_provisional |= any(now.get(k, 0) < n for k, n in final.items())
    assert seen_provisional  # some figures of the day were provisional along the way
    folded = snapshot(synth_conn)
    for table in TABLES:
        assert folded[table] == rebuilt[table], table
