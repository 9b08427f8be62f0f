"""The as-of reading of a scored synthetic world is the same on partitioned signals as on the
unpartitioned table the downgrade to 0014 rebuilds, and again after the upgrade back."""

from __future__ import annotations

import datetime as dt

import psycopg

from hrdpg import migrate
from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, LATE, install, score, trained

# Per race of the day the newest production publication at or before t, from the base tables
# (the reloadable views are gone at 0014).
READING = """
SELECT s::text FROM racing.races r
 CROSS JOIN LATERAL (SELECT max(n.as_of) AS as_of FROM modeling.signals n
                      WHERE n.alias = 'production' AND n.race_id = r.race_id
                        AND n.as_of <= %(t)s) newest
  JOIN modeling.signals s ON s.alias = 'production' AND s.race_id = r.race_id
   AND s.as_of = newest.as_of
 WHERE r.race_date = %(d)s
 ORDER BY s.race_id, s.horse_id
"""


def _readings(settings: Settings, moments: list[dt.datetime]) -> list[list[str]]:
    with psycopg.connect(settings.conninfo()) as conn:
        return [[r[0] for r in conn.execute(READING, {"t": t, "d": DAY}).fetchall()]
                for t in moments]


def test_as_of_reading_unchanged_by_partitioning(
        synth_db: Settings, server: ServerHandle, synth_template: str) -> None:
    with psycopg.connect(synth_db.conninfo()) as conn:
        install(conn, trained(server, synth_template))
        row = conn.execute("SELECT min(off_time) FROM racing.races WHERE race_date = %s",
                           (DAY,)).fetchone()
        assert row is not None
        first_off: dt.datetime = row[0]
        published = [first_off - dt.timedelta(hours=h) for h in (5.0, 2.0, 0.5)]
        for as_of in published:
            score(conn, as_of=as_of.isoformat())
        score(conn, as_of=LATE)
        conn.commit()
    # Between publications, on them, and after the last one.
    moments = [t + dt.timedelta(seconds=s) for t in published for s in (-1, 0, 1)]
    moments.append(dt.datetime.fromisoformat(LATE.replace(" 00:00+00", "T00:00:00+00:00")))
    partitioned = _readings(synth_db, moments)
    assert all(partitioned[1:]) and len({tuple(r) for r in partitioned}) > 3

    migrate.downgrade(synth_db, "0014_backtests")
    assert _readings(synth_db, moments) == partitioned
    migrate.migrate(synth_db)
    assert _readings(synth_db, moments) == partitioned
