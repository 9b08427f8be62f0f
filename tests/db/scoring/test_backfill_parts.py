"""`hrdpg backfill --jobs N`: a range cut into parts of equal runners, scored side by side,
publishes exactly what one score_range call publishes."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from hrdpg import backfill
from hrdpg.cli import main
from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.test_score_range_bulk import TO, published
from tests.db.scoring.test_score_range_bulk import backfill as one_call
from tests.db.scoring.world import TEST_FROM, install, trained
from tests.db.security.roles import login_as


def _runners_by_day(conn: psycopg.Connection) -> dict[dt.date, int]:
    rows = conn.execute("SELECT ra.race_date, ru.race_id FROM modeling.src_runners ru "
                        "JOIN modeling.src_races ra USING (race_id)").fetchall()
    conn.commit()
    out: dict[dt.date, int] = {}
    for day, _ in rows:
        out[day] = out.get(day, 0) + 1
    return out


@pytest.mark.parametrize("jobs", [1, 2, 3, 7])
def test_parts_cover_the_range_and_share_its_runners(
        synth_conn: psycopg.Connection, jobs: int) -> None:
    per_day = _runners_by_day(synth_conn)
    lo, hi = min(per_day), max(per_day)
    got = backfill.parts(synth_conn, lo, hi, jobs)
    assert len(got) == min(jobs, len(per_day))
    assert got[0].date_from == lo and got[-1].date_to == hi
    for a, b in zip(got, got[1:], strict=False):
        assert b.date_from == a.date_to + dt.timedelta(days=1)  # contiguous, no gap or overlap
    total = sum(per_day.values())
    biggest_day = max(per_day.values())
    for p in got:
        mine = sum(n for d, n in per_day.items() if p.date_from <= d <= p.date_to)
        assert p.runners == mine
        # Days are not split, so a part is off its share by less than one day's runners.
        assert abs(mine - total / len(got)) < biggest_day


def test_a_range_without_runners_is_one_part(synth_conn: psycopg.Connection) -> None:
    day = dt.date(1990, 1, 1)
    got = backfill.parts(synth_conn, day, day + dt.timedelta(days=9), 4)
    assert [(p.date_from, p.date_to, p.runners) for p in got] == [
        (day, day + dt.timedelta(days=9), 0)]


def test_two_parts_publish_what_one_call_publishes(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (TEST_FROM, TO))
    synth_conn.commit()
    one_call(synth_db)
    by_one = published(synth_conn)
    synth_conn.execute("TRUNCATE modeling.signals, modeling.signals_newest, "
                       "modeling.dq_results")
    synth_conn.execute("DELETE FROM modeling.runs WHERE kind = 'score_range'")
    synth_conn.commit()
    todo = backfill.run(synth_db.conninfo(), TEST_FROM, TO, 2,
                        backfill.Options(refresh_features=False, chunk_days=3))
    assert [p.error for p in todo] == [None, None]
    assert published(synth_conn) == by_one and by_one[0]
    runs = synth_conn.execute("SELECT run_id, status, backend_pid, params->>'from', "
                              "params->>'to' FROM modeling.runs WHERE kind = 'score_range' "
                              "ORDER BY run_id").fetchall()
    synth_conn.commit()
    assert sorted(p.run_id for p in todo) == [r[0] for r in runs]  # type: ignore[type-var]
    assert [r[1] for r in runs] == ["ok", "ok"]
    assert len({r[2] for r in runs}) == 2  # two backends
    assert sorted((r[3], r[4]) for r in runs) == [
        (str(p.date_from), str(p.date_to)) for p in todo]


def test_a_scorer_login_backfills_in_parts(
        server: ServerHandle, synth_db: Settings, synth_conn: psycopg.Connection,
        synth_template: str) -> None:
    """What the API team runs it as: the scorer group's grants (parts, score_range, runs)."""
    install(synth_conn, trained(server, synth_template))
    synth_conn.execute("SELECT modeling.refresh_features(%s, %s)", (TEST_FROM, TO))
    synth_conn.commit()
    with login_as(server, synth_db, "hrdpg_scorer") as scorer:
        dsn = make_conninfo(synth_db.conninfo(), user=scorer.info.user,
                            password=scorer.info.password)
        todo = backfill.run(dsn, TEST_FROM, TO, 2,
                            backfill.Options(refresh_features=False, chunk_days=3))
    assert [p.error for p in todo] == [None, None] and all(p.run_id for p in todo)
    # One signal per declared runner of the range (the parts' counts include non-runners).
    n = synth_conn.execute("SELECT (SELECT count(*) FROM modeling.signals WHERE race_date "
                           "BETWEEN %(a)s AND %(b)s), (SELECT count(*) FROM "
                           "modeling.runner_features WHERE race_date BETWEEN %(a)s AND %(b)s)",
                           {"a": TEST_FROM, "b": TO}).fetchone()
    synth_conn.commit()
    assert n is not None and n[0] == n[1] > 0


def test_cli_reports_parts_and_refuses_bad_input(
        synth_db: Settings, synth_conn: psycopg.Connection, server: ServerHandle,
        synth_template: str, capsys: pytest.CaptureFixture[str]) -> None:
    install(synth_conn, trained(server, synth_template))
    dsn = synth_db.conninfo()
    day = TEST_FROM.isoformat()
    assert main(["--dsn", dsn, "backfill", day, day, "--jobs", "2", "--no-reasons"]) == 0
    out = capsys.readouterr().out
    n = synth_conn.execute("SELECT count(*) FROM modeling.signals WHERE race_date = %s",
                           (TEST_FROM,)).fetchone()
    synth_conn.commit()
    assert n is not None and n[0] > 0
    assert "part 1: " in out and "ok" in out and "1 part(s)" in out  # one day: one part
    assert main(["--dsn", dsn, "backfill", TO.isoformat(), day]) == 1
    assert "is after TO" in capsys.readouterr().err
    assert main(["--dsn", dsn, "backfill", day, day, "--jobs", "0"]) == 1
    assert "--jobs must be at least 1" in capsys.readouterr().err
    # A failing part says what failed and what to do; nothing leaks as a traceback.
    assert main(["--dsn", dsn, "backfill", day, day, "--alias", "nobody"]) == 1
    err = capsys.readouterr().err
    assert "part 1 (" in err and "failed" in err and "Traceback" not in err
