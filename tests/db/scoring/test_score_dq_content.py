"""Content checks withhold stakes, never probabilities: a day with its prices deleted, a race
stripped of its declared attributes and a race whose prices stopped early publish without
edges or stakes, say why, and raise one DQ alert per alias and day that a re-score bumps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from hrdpg_pl.scoring_dq import MAX_ATTRIBUTE_NULL_SHARE, STALE_PRICE_AFTER_S
from psycopg import sql

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, install, score, signals, trained


def _first_race(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT min(race_id) FROM racing.races WHERE race_date = %s",
                       (DAY,)).fetchone()
    assert row is not None
    return int(row[0])


def _one_source(conn: psycopg.Connection) -> None:
    """The day priced by the exchange alone. Across sources, a runner's best price can be a
    bookmaker's quote the others have moved away from, and the book check rightly withholds
    those stakes. Whether DAY has such a race is up to the world's draws (it had two in one
    world, none in another): these tests are about the content checks, whatever the books."""
    conn.execute("DELETE FROM racing.odds o USING racing.races r WHERE o.race_id = r.race_id "
                 "AND r.race_date = %s AND o.source_kind <> 'exchange'", (DAY,))
    conn.commit()


def _withheld(rows: dict[tuple[int, int], dict[str, Any]]) -> dict[int, set[str]]:
    """race -> checks named in stake_withheld, asserting stakes and edges are NULL there."""
    out: dict[int, set[str]] = {}
    for (race, _), r in rows.items():
        assert r["p_win"] is not None
        if r["stake_withheld"]:
            assert r["stake_fraction"] is None and r["edge_win"] is None, r
            out.setdefault(race, set()).update(r["stake_withheld"])
    return out


def _dq_alerts(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    rows = conn.execute("SELECT severity, dedup_key, suppressed_count, details "
                        "FROM modeling.alerts WHERE category = 'dq' ORDER BY alert_id").fetchall()
    conn.commit()
    return rows


def test_healthy_day_keeps_its_stakes_and_stays_quiet(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    _one_source(synth_conn)
    assert score(synth_conn) > 0
    rows = signals(synth_conn)
    assert _withheld(rows) == {}
    assert any(r["stake_fraction"] is not None for r in rows.values())
    assert _dq_alerts(synth_conn) == []


def test_deleted_prices_publish_no_stake_and_alert_once(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    synth_conn.execute("DELETE FROM racing.odds WHERE race_id IN "
                       "(SELECT race_id FROM racing.races WHERE race_date = %s)", (DAY,))
    synth_conn.commit()
    published = score(synth_conn)
    rows = signals(synth_conn)
    assert published == len(rows) > 0
    races = {r for r, _ in rows}
    assert _withheld(rows) == {r: {"prices_present"} for r in races}
    assert all(r["stake_fraction"] is None for r in rows.values())
    [(severity, key, count, details)] = _dq_alerts(synth_conn)
    assert (severity, key, count) == ("critical", f"production:{DAY}", 0)
    assert details["checks"] == {"prices_present": len(races)}
    score(synth_conn)  # a re-score bumps the alert instead of adding one
    assert [(a[0], a[2]) for a in _dq_alerts(synth_conn)] == [("critical", 1)]


def test_stripped_race_is_published_without_stakes(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    result = trained(server, synth_template)
    mid = install(synth_conn, result)
    _one_source(synth_conn)
    race = _first_race(synth_conn)
    synth_conn.execute("UPDATE racing.runners SET age = NULL, weight_kg = NULL, draw = NULL, "
                       "official_rating = NULL, speed_figure = NULL WHERE race_id = %s", (race,))
    synth_conn.commit()
    score(synth_conn)
    # Independently: the NULL share of the model's field-stage features in each race.
    names = [n for (n,) in synth_conn.execute(
        "SELECT c.name FROM modeling.feature_catalog c JOIN modeling.models m "
        "ON c.name = ANY (m.feature_names) WHERE m.model_id = %s AND c.stage = 'field'",
        (mid,)).fetchall()]
    shares = dict(synth_conn.execute(sql.SQL(
        "SELECT race_id, avg(({})::float8 / %s) FROM modeling.runner_features "
        "WHERE race_date = %s GROUP BY race_id").format(
        sql.SQL(" + ").join(sql.SQL("({} IS NULL)::int").format(sql.Identifier(n))
                            for n in names)), (len(names), DAY)).fetchall())
    stripped = {r for r, v in shares.items() if v > MAX_ATTRIBUTE_NULL_SHARE}
    assert stripped == {race}
    assert _withheld(signals(synth_conn)) == {race: {"attributes_present"}}
    [(severity, _, _, details)] = _dq_alerts(synth_conn)
    assert severity == "warning" and details["withheld"] == [race]


def test_prices_that_stopped_long_before_the_off_are_stale(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    _one_source(synth_conn)
    race = _first_race(synth_conn)
    # The race's feed stopped the evening before: every quote moved back a day.
    synth_conn.execute("UPDATE racing.odds SET observed_at = observed_at - interval '1 day' "
                       "WHERE race_id = %s", (race,))
    synth_conn.commit()
    score(synth_conn)
    age = synth_conn.execute(
        "SELECT extract(epoch FROM ra.off_time - max(o.observed_at)) FROM racing.odds o "
        "JOIN racing.races ra USING (race_id) WHERE race_id = %s GROUP BY ra.off_time",
        (race,)).fetchone()
    assert age is not None and float(age[0]) > STALE_PRICE_AFTER_S
    assert _withheld(signals(synth_conn)) == {race: {"prices_fresh"}}


def test_a_morning_score_before_any_price_is_not_a_failure(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    first = synth_conn.execute("SELECT min(o.observed_at) FROM racing.odds o JOIN racing.races "
                               "ra USING (race_id) WHERE ra.race_date = %s", (DAY,)).fetchone()
    assert first is not None
    as_of = first[0] - dt.timedelta(hours=1)  # the courses are never priced this early
    score(synth_conn, as_of=as_of.isoformat())
    rows = signals(synth_conn, as_of=as_of.isoformat())
    assert rows and all(r["best_win_odds"] is None for r in rows.values())
    assert _withheld(rows) == {} and _dq_alerts(synth_conn) == []
