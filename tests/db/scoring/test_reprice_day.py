"""modeling.reprice_day re-prices a scored day with later odds without inference, and what the
day's signals say as of that instant is what a full score_day then publishes (a race whose
signals did not change is not published again); anything that changes the features or the
model's inputs makes it a full score_day, with the reason recorded."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import psycopg

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, LATE, as_of_reading, install, score, signals, trained

NUMERIC = ("p_win", "p_model", "p_place", "fair_win_odds", "fair_place_odds", "best_win_odds",
           "edge_win", "edge_each_way", "kelly_fraction", "stake_fraction")
SAME = ("ew_places", "ew_fraction", "best_odds_source", "best_odds_at", "liquidity_ok",
        "reasons_json", "model_id", "feature_version", "alias")


def _early(conn: psycopg.Connection) -> dt.datetime:
    """Three hours before the day's first off: earlier odds than LATE sees."""
    row = conn.execute("SELECT min(off_time) - interval '3 hours' FROM racing.races "
                       "WHERE race_date = %s", (DAY,)).fetchone()
    assert row is not None
    result: dt.datetime = row[0]
    return result


def _refresh(conn: psycopg.Connection, as_of: Any) -> tuple[int, str, dict[str, Any]]:
    n = conn.execute("SELECT modeling.reprice_day(%s, %s)", (DAY, as_of)).fetchone()
    run = conn.execute("SELECT kind, params FROM modeling.runs ORDER BY run_id DESC LIMIT 1"
                       ).fetchone()
    conn.commit()
    assert n is not None and run is not None
    return int(n[0]), str(run[0]), dict(run[1])


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_refresh_reprices_like_a_full_score(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template, with_market=False))
    early = _early(synth_conn)
    score(synth_conn, as_of=early.isoformat())
    morning = signals(synth_conn, as_of=early.isoformat())
    later = early + dt.timedelta(hours=2, minutes=59)  # a minute before the first off
    n, kind, params = _refresh(synth_conn, later)
    assert kind == "reprice_day" and "base_run_id" in params, params.get("refresh_fallback")
    assert n == len(signals(synth_conn, as_of=later.isoformat())) > 0
    refreshed = as_of_reading(synth_conn, later)
    assert refreshed.keys() == morning.keys()
    assert all(refreshed[k]["p_model"] == morning[k]["p_model"] for k in morning)
    moved = sum(refreshed[k]["best_win_odds"] != morning[k]["best_win_odds"] for k in morning)
    assert moved > 0  # the later odds really differ, so the comparison below means something

    score(synth_conn, as_of=later.isoformat())  # the full pipeline overwrites the same keys
    full = signals(synth_conn, as_of=later.isoformat())
    assert full.keys() == refreshed.keys()
    for k, row in full.items():
        assert all(_close(row[c], refreshed[k][c]) for c in NUMERIC), k
        assert all(row[c] == refreshed[k][c] for c in SAME), k


def test_refresh_skips_races_already_off(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template, with_market=False))
    early = _early(synth_conn)
    score(synth_conn, as_of=early.isoformat())
    offs = sorted({v["off_time"] for v in signals(synth_conn, as_of=early.isoformat()).values()})
    between = offs[len(offs) // 2] - dt.timedelta(minutes=1)
    n, kind, _ = _refresh(synth_conn, between)
    assert kind == "reprice_day"
    rows = signals(synth_conn, as_of=between.isoformat())
    assert n == len(rows) > 0
    assert {v["off_time"] for v in rows.values()} <= {o for o in offs if o > between}


def test_declared_non_runner_forces_a_full_score(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template, with_market=False))
    early = _early(synth_conn)
    score(synth_conn, as_of=early.isoformat())
    race, horse = max(signals(synth_conn, as_of=early.isoformat()))
    synth_conn.execute("UPDATE racing.runners SET non_runner = true "
                       "WHERE race_id = %s AND horse_id = %s", (race, horse))
    synth_conn.commit()
    _, kind, params = _refresh(synth_conn, LATE)
    assert kind == "score_day"
    assert params["refresh_fallback"] == "declarations changed since the last score_day"
    rows = signals(synth_conn)
    assert (race, horse) not in rows
    total = sum(v["p_win"] for (r, _), v in rows.items() if r == race)
    assert abs(total - 1.0) < 1e-9


def test_market_model_always_scores_in_full(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template, with_market=True))
    score(synth_conn, as_of=_early(synth_conn).isoformat())
    _, kind, params = _refresh(synth_conn, LATE)
    assert kind == "score_day"
    assert params["refresh_fallback"] == "the model's inputs include market prices"


def test_refresh_without_a_morning_run_scores_in_full(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template, with_market=False))
    n, kind, params = _refresh(synth_conn, LATE)
    assert kind == "score_day" and n > 0
    assert params["refresh_fallback"] == "no earlier score_day of this model for the day"


def test_old_name_is_an_alias(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    """refresh_day (the 0.1.0 name) re-prices exactly as reprice_day does."""
    install(synth_conn, trained(server, synth_template, with_market=False))
    early = _early(synth_conn)
    score(synth_conn, as_of=early.isoformat())
    later = early + dt.timedelta(hours=2)
    n_old = synth_conn.execute("SELECT modeling.refresh_day(%s, %s)", (DAY, later)).fetchone()
    synth_conn.commit()
    old = signals(synth_conn, as_of=later.isoformat())
    # Take that publication back, so reprice_day finds the same day to re-price.
    synth_conn.execute("DELETE FROM modeling.signals WHERE as_of = %s", (later,))
    synth_conn.commit()
    n_new, kind_new, _ = _refresh(synth_conn, later)
    new = signals(synth_conn, as_of=later.isoformat())
    assert n_old is not None and int(n_old[0]) == n_new > 0 and kind_new == "reprice_day"
    assert old.keys() == new.keys()
    assert all(_close(old[k]["stake_fraction"], new[k]["stake_fraction"]) for k in new)
