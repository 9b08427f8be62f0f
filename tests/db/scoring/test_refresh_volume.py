"""A refresh publishes only the races whose signals changed: on one simulated day the default
(market-input) model's refreshes write fewer publications and rows than full re-scores at the
same instants, and the point-in-time reading (per race the newest publication at or before a
moment) still gives, at every instant, exactly what the full re-score published then."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import psycopg

from tests.conftest import ServerHandle, private_copy
from tests.db.scoring.world import DAY, as_of_reading, install, score, signals, trained

STEP = dt.timedelta(minutes=20)  # the far cadence is 10 minutes; 20 keeps the test short
# The stamp of a publication, not what it says (model_id: each database registers its copy).
STAMP = ("as_of", "run_id", "created_at", "model_id")


def refresh_instants(conn: psycopg.Connection) -> list[dt.datetime]:
    """The day from its first odds to after its last off: a fixed step, plus two minutes
    before each off (the last snapshots come in then)."""
    row = conn.execute(
        "SELECT min(o.observed_at), max(r.off_time), array_agg(DISTINCT r.off_time) "
        "FROM racing.races r JOIN racing.odds o ON o.race_id = r.race_id "
        "WHERE r.race_date = %s", (DAY,)).fetchone()
    conn.commit()
    assert row is not None
    first, last, offs = row
    steps = [first + i * STEP for i in range(int((last - first) / STEP) + 2)]
    return sorted(set(steps) | {o - dt.timedelta(minutes=2) for o in offs})


def volume(conn: psycopg.Connection) -> tuple[int, int]:
    """(publications = distinct race and as_of, signal rows) of the day."""
    row = conn.execute("SELECT count(DISTINCT (race_id, as_of)), count(*) FROM modeling.signals "
                       "WHERE race_date = %s AND alias = 'production'", (DAY,)).fetchone()
    conn.commit()
    assert row is not None
    return int(row[0]), int(row[1])


def same_values(a: dict[str, Any], b: dict[str, Any]) -> bool:
    for col, x in a.items():
        if col in STAMP:
            continue
        y = b[col]
        if isinstance(x, float) and isinstance(y, float):
            if not math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15):
                return False
        elif x != y:
            return False
    return True


def test_refreshes_publish_only_what_changed(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    result = trained(server, synth_template)  # the default model: market prices as inputs
    install(synth_conn, result)
    instants = refresh_instants(synth_conn)
    morning = instants[0]
    score(synth_conn, as_of=morning.isoformat())
    for at in instants[1:]:
        synth_conn.execute("SELECT modeling.reprice_day(%s, %s)", (DAY, at))
        synth_conn.commit()
    after = volume(synth_conn)

    with private_copy(server, synth_template) as full_db, \
            psycopg.connect(full_db.conninfo()) as full:
        install(full, result)
        for at in instants:  # what every refresh published before: a full score_day
            score(full, as_of=at.isoformat(), challengers=False)
        before = volume(full)
        for at in instants:
            shown = as_of_reading(synth_conn, at)
            published = signals(full, as_of=at.isoformat())
            assert shown.keys() == published.keys(), at
            assert all(same_values(published[k], shown[k]) for k in published), at

    runs = synth_conn.execute(
        "SELECT sum(races_published + (params ->> 'races_unchanged')::int), "
        "sum(rows_out + (params ->> 'rows_unchanged')::int) FROM modeling.runs "
        "WHERE kind IN ('score_day', 'reprice_day') AND race_date = %s", (DAY,)).fetchone()
    print(f"\n{len(instants)} refreshes of {DAY}: before {before[0]} publications, "
          f"{before[1]} rows; after {after[0]} publications, {after[1]} rows")
    assert runs == before  # each run counted what it left out
    assert after[0] < before[0] and after[1] < before[1]


def quiet_window(conn: psycopg.Connection) -> tuple[dt.datetime, dt.datetime]:
    """Two instants with no odds snapshot of the day between them and races still to run."""
    rows = conn.execute(
        "SELECT DISTINCT o.observed_at FROM racing.odds o JOIN racing.races r USING (race_id) "
        "WHERE r.race_date = %s AND o.observed_at < (SELECT max(off_time) FROM racing.races "
        "WHERE race_date = %s) ORDER BY 1", (DAY, DAY)).fetchall()
    conn.commit()
    times = [r[0] for r in rows]
    gap = max(zip(times, times[1:], strict=False), key=lambda p: p[1] - p[0])
    return gap[0] + dt.timedelta(seconds=30), gap[1] - dt.timedelta(seconds=30)


def test_a_refresh_with_nothing_new_publishes_nothing(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    """The re-price path (a model without market inputs)."""
    install(synth_conn, trained(server, synth_template, with_market=False))
    start, end = quiet_window(synth_conn)
    score(synth_conn, as_of=refresh_instants(synth_conn)[0].isoformat())
    counts = []
    for at in (start, end):
        row = synth_conn.execute("SELECT modeling.reprice_day(%s, %s)", (DAY, at)).fetchone()
        kind = synth_conn.execute("SELECT kind FROM modeling.runs ORDER BY run_id DESC LIMIT 1"
                                  ).fetchone()
        synth_conn.commit()
        assert row is not None and kind == ("reprice_day",)
        counts.append(int(row[0]))
    assert counts[0] > 0 and counts[1] == 0
