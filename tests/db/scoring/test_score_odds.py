"""Races without odds are published with odds fields NULL; odds of exactly 1.0 are reported
and priced as no odds."""

from __future__ import annotations

import psycopg
from psycopg import sql

from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, install, score, signals, trained

ODDS_FIELDS = ("best_win_odds", "best_odds_source", "best_odds_at", "edge_win",
               "edge_each_way", "kelly_fraction", "stake_fraction", "liquidity_ok")


def _races(conn: psycopg.Connection) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT race_id FROM racing.races WHERE race_date = %s ORDER BY race_id", (DAY,))]


def test_race_without_odds_is_published_unpriced(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    race = _races(synth_conn)[0]
    synth_conn.execute("DELETE FROM racing.odds WHERE race_id = %s", (race,))
    synth_conn.commit()
    score(synth_conn)
    rows = signals(synth_conn)
    mine = [v for (r, _), v in rows.items() if r == race]
    assert len(mine) >= 2
    for v in mine:
        assert all(v[f] is None for f in ODDS_FIELDS)
        assert v["p_win"] > 0 and v["fair_win_odds"] > 1
    others = [v for (r, _), v in rows.items() if r != race]
    assert all(v["best_win_odds"] is not None for v in others)


def test_odds_of_one_priced_as_no_odds(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    race = _races(synth_conn)[1]
    horse = synth_conn.execute("SELECT min(horse_id) FROM racing.odds WHERE race_id = %s",
                               (race,)).fetchone()
    assert horse is not None
    synth_conn.execute(
        """CREATE OR REPLACE VIEW modeling.src_odds AS
           SELECT race_id, horse_id, observed_at, source, source_kind,
                  CASE WHEN race_id = %(r)s AND horse_id = %(h)s THEN 1.0::float8
                       ELSE decimal_odds END AS decimal_odds,
                  ew_places, ew_fraction, volume
             FROM racing.odds""".replace("%(r)s", str(race)).replace("%(h)s", str(horse[0])))
    synth_conn.commit()
    score(synth_conn)
    rows = signals(synth_conn)
    bad = rows[(race, horse[0])]
    assert all(bad[f] is None for f in ODDS_FIELDS)
    assert all(v["best_win_odds"] > 1 for (r, h), v in rows.items()
               if r == race and h != horse[0])
    dq = synth_conn.execute(
        "SELECT passed, blocked, details FROM modeling.dq_results "
        "WHERE race_id = %s AND check_name = 'odds_valid'", (race,)).fetchone()
    assert dq is not None
    passed, blocked, details = dq
    assert (passed, blocked) == (False, False)
    assert details["invalid"] == [{"horse_id": horse[0], "odds": 1.0}]


def test_best_odds_time_and_source_are_exact(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    """The odds time travels as integer microseconds: it comes back to the microsecond (bets
    match it by equality against the odds row), with its source."""
    install(synth_conn, trained(server, synth_template))
    race = _races(synth_conn)[2]
    # Every snapshot of the race moved by an odd number of microseconds, the best one raised.
    synth_conn.execute("UPDATE racing.odds SET observed_at = observed_at - interval "
                       "'0.987653 seconds' WHERE race_id = %s", (race,))
    best = synth_conn.execute(
        "UPDATE racing.odds SET decimal_odds = 999 WHERE (race_id, horse_id, observed_at, "
        "source) = (SELECT race_id, horse_id, observed_at, source FROM racing.odds "
        "WHERE race_id = %s ORDER BY observed_at DESC, horse_id LIMIT 1) "
        "RETURNING horse_id, observed_at, source", (race,)).fetchone()
    synth_conn.commit()
    assert best is not None and best[1].microsecond != 0
    score(synth_conn)
    row = signals(synth_conn)[(race, best[0])]
    assert (row["best_win_odds"], row["best_odds_at"], row["best_odds_source"]) == (
        999, best[1], best[2])
    exact = synth_conn.execute(
        "SELECT count(*) FILTER (WHERE o.race_id IS NULL), count(*) FROM modeling.signals s "
        "LEFT JOIN racing.odds o ON o.race_id = s.race_id AND o.horse_id = s.horse_id "
        "AND o.source = s.best_odds_source AND o.observed_at = s.best_odds_at "
        "WHERE s.best_win_odds IS NOT NULL").fetchone()
    assert exact is not None and exact[0] == 0 and exact[1] > 0


def test_quotes_that_are_not_prices_never_hide_the_best_price(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    race = _races(synth_conn)[3]
    horse, off = synth_conn.execute(
        "SELECT min(o.horse_id), min(r.off_time) FROM racing.odds o JOIN racing.races r "
        "USING (race_id) WHERE race_id = %s", (race,)).fetchone() or (None, None)
    # Independently: the best of each source's latest quote before the off.
    real_best = synth_conn.execute(
        "SELECT max(decimal_odds) FROM (SELECT DISTINCT ON (source) decimal_odds "
        "FROM racing.odds WHERE race_id = %s AND horse_id = %s AND observed_at < %s "
        "ORDER BY source, observed_at DESC) x", (race, horse, off)).fetchone()
    assert real_best is not None and real_best[0] > 1
    # A team's own odds table need not carry the reference schema's CHECK.
    check = synth_conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'racing.odds'::regclass "
        "AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%%decimal_odds%%'").fetchone()
    assert check is not None
    synth_conn.execute(sql.SQL("ALTER TABLE racing.odds DROP CONSTRAINT {}").format(
        sql.Identifier(check[0])))
    synth_conn.execute(
        "INSERT INTO racing.odds (race_id, horse_id, observed_at, source, source_kind, "
        "decimal_odds) SELECT ru.race_id, ru.horse_id, ra.off_time - interval '1 minute', "
        "bad.source, 'bookmaker', bad.odds FROM racing.runners ru JOIN racing.races ra "
        "USING (race_id), (VALUES ('bad_nan', 'NaN'::float8), ('bad_huge', 1e308), "
        "('bad_inf', 'Infinity'::float8)) bad(source, odds) WHERE ru.race_id = %s", (race,))
    synth_conn.commit()
    score(synth_conn)
    row = signals(synth_conn)[(race, horse)]
    assert row["best_win_odds"] == real_best[0]
    assert row["best_odds_source"] not in ("bad_nan", "bad_huge", "bad_inf")
    ignored = synth_conn.execute(
        "SELECT params ->> 'odds_ignored' FROM modeling.runs WHERE kind = 'score_day' "
        "AND status = 'ok' ORDER BY run_id DESC LIMIT 1").fetchone()
    runners = synth_conn.execute("SELECT count(*) FROM racing.runners WHERE race_id = %s",
                                 (race,)).fetchone()
    assert ignored is not None and runners is not None
    assert int(ignored[0]) == 3 * runners[0]


def _book_failures(conn: psycopg.Connection) -> set[int]:
    """Races whose book the newest score_day judged implausible."""
    rows = conn.execute("SELECT race_id FROM modeling.dq_results WHERE check_name = "
                        "'book_plausible' AND NOT passed AND run_id = (SELECT max(run_id) "
                        "FROM modeling.runs WHERE kind = 'score_day')").fetchall()
    conn.commit()
    return {int(r) for (r,) in rows}


def test_race_with_an_implausible_book_publishes_no_stakes(
        synth_conn: psycopg.Connection, server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    race = _races(synth_conn)[4]
    # The world's own books first: a race whose best prices include a bookmaker's stale quote
    # can fail on its own (the world's draws decide), and must stay as it was.
    score(synth_conn)
    before = _book_failures(synth_conn)
    assert race not in before
    # Every price of the race 40 % longer: a book of about 0.8 where bookmakers sum above 1.
    synth_conn.execute("UPDATE racing.odds SET decimal_odds = decimal_odds * 1.4 "
                       "WHERE race_id = %s", (race,))
    synth_conn.commit()
    score(synth_conn)
    assert _book_failures(synth_conn) == before | {race}
    rows = signals(synth_conn)
    mine = [v for (r, _), v in rows.items() if r == race]
    stakes = ("edge_win", "edge_each_way", "kelly_fraction", "stake_fraction")
    assert mine and all(v[f] is None for v in mine for f in stakes)
    assert all(v["p_win"] > 0 and v["best_win_odds"] > 1 for v in mine)  # shown as quoted
    others = [v for (r, _), v in rows.items() if r not in before | {race} and v["best_win_odds"]]
    assert others and all(v["edge_win"] is not None for v in others)
    dq = synth_conn.execute(
        "SELECT passed, blocked, details FROM modeling.dq_results WHERE race_id = %s "
        "AND check_name = 'book_plausible' ORDER BY run_id DESC LIMIT 1", (race,)).fetchone()
    assert dq is not None and dq[:2] == (False, False)
    assert dq[2]["book"] < dq[2]["range"][0]
