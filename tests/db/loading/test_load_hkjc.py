"""`hrdpg load hkjc` on a slice of the real HKJC files (tests/data/hkjc): rows checked against
the published text read by hand, and a second load changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
from zoneinfo import ZoneInfo

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from hrdpg.loader import hkjc_fields as f
from tests.paths import TEST_DATA

SLICE = TEST_DATA / "hkjc"
HK = ZoneInfo("Asia/Hong_Kong")


def published_races() -> set[tuple[str, str]]:
    """(date, race_no) of every row of the slice's results files, read with csv alone."""
    return {(r["date"], r["race_no"]) for p in SLICE.glob("20*/results_*.csv")
            for r in csv.DictReader(p.read_text(encoding="utf-8-sig").splitlines())
            if r["date"] != "date"}


def runner(conn: psycopg.Connection, race_id: int, code: str) -> dict[str, object]:
    cur = conn.execute("SELECT * FROM racing.runners WHERE race_id = %s AND horse_id = %s",
                       (race_id, f.horse_id(code)))
    row = cur.fetchone()
    assert row is not None, (race_id, code)
    return dict(zip([d.name for d in cur.description or []], row, strict=True))


@pytest.fixture
def loaded(db: Settings, capsys: pytest.CaptureFixture[str]) -> psycopg.Connection:
    assert main(["--dsn", db.conninfo(), "load", "hkjc", str(SLICE), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert f"2 meetings, {len(published_races())} races" in out
    assert out.count("rejected 0") == 3
    return psycopg.connect(db.conninfo())


def test_dead_heat_withdrawn_and_short_head(loaded: psycopg.Connection) -> None:
    with loaded as conn:
        for code, odds in (("B150", 18), ("A101", 20)):  # 2019-01-06 race 2: dead heat for 12th
            r = runner(conn, 2019010602, code)
            assert (r["finish_pos"], r["dead_heat"], r["beaten_lengths"], r["sp_decimal"]) \
                == (12, True, 5.0, odds)
        wv = runner(conn, 2019010602, "B063")  # WV: withdrawn, kept as a non-runner
        assert (wv["non_runner"], wv["status"], wv["finish_pos"], wv["sp_decimal"]) \
            == (True, "non_runner", None, None)
        sh = runner(conn, 2019010605, "A164")  # 2nd by a short head on the all-weather
        assert (sh["finish_pos"], sh["beaten_lengths"], sh["draw"], float(sh["weight_kg"]),
                sh["official_rating"]) == (2, pytest.approx(0.1), 4, 56.70, 68)
        race = conn.execute("SELECT surface, course, distance_m, race_class, handicap, going "
                            "FROM racing.races WHERE race_id = 2019010605").fetchone()
        assert race == ("aw", "Sha Tin", 1650, 3, True, "good")
        odds = conn.execute("SELECT source, source_kind, decimal_odds, observed_at = r.off_time "
                            "FROM racing.odds o JOIN racing.races r USING (race_id) "
                            "WHERE race_id = 2019010605 AND horse_id = %s",
                            (f.horse_id("A164"),)).fetchone()
        assert odds == ("hkjc_win", "tote", 16.0, True)


def test_night_and_day_meetings_are_placed_in_hong_kong_time(loaded: psycopg.Connection) -> None:
    with loaded as conn:
        offs = dict(conn.execute("SELECT race_id, off_time FROM racing.races "
                                 "WHERE race_id IN (2019010601, 2019010901, 2019010903)"))
    assert offs[2019010601] == dt.datetime(2019, 1, 6, 12, 45, tzinfo=HK)  # Sha Tin, Sunday
    assert offs[2019010901] == dt.datetime(2019, 1, 9, 19, 15, tzinfo=HK)  # Happy Valley night
    assert offs[2019010903] - offs[2019010901] == dt.timedelta(hours=1)


def test_reload_changes_nothing(loaded: psycopg.Connection, db: Settings,
                                capsys: pytest.CaptureFixture[str]) -> None:
    loaded.close()
    assert main(["--dsn", db.conninfo(), "load", "hkjc", str(SLICE), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.count("inserted 0, updated 0") == 3


def details(conn: psycopg.Connection, race_id: int, code: str) -> tuple[object, ...]:
    row = conn.execute("SELECT d.*, n.horse_name, n.jockey_name, n.trainer_name "
                       "FROM modeling.src_runner_details d JOIN modeling.src_runner_names n "
                       "USING (race_id, horse_id) WHERE race_id = %s AND horse_id = %s",
                       (race_id, f.horse_id(code))).fetchone()
    assert row is not None, (race_id, code)
    return row[2:]


def test_finish_time_body_weight_and_running_positions(loaded: psycopg.Connection) -> None:
    with loaded as conn:  # 2019-01-06 race 2, the winner: 1090 lbs, "9 8 5 1", 1:23.01
        body, _gear, _first, finish, calls, _secs, *_ = details(conn, 2019010602, "V243")
    assert float(body) == round(1090 * 0.45359237, 1)
    assert finish == pytest.approx(83.01)
    assert calls == [9, 8, 5, 1]


def test_sectionals_are_the_runners_own_section_times(loaded: psycopg.Connection) -> None:
    with loaded as conn:
        *_, secs, _h, _j, _t = details(conn, 2019010602, "V243")
        # race 3 of that day is not in the slice's sectional file
        *_, missing, _h, _j, _t = details(conn, 2019010603, "A257")
    assert secs == pytest.approx([14.06, 22.11, 22.82, 24.02])
    assert missing is None


def test_gear_comes_from_the_form_record_of_that_date(loaded: psycopg.Connection) -> None:
    with loaded as conn:
        first = details(conn, 2019010603, "A257")[1:3]  # form: B1 (blinkers, first time)
        usual = details(conn, 2019010601, "T253")[1:3]  # form: B/TT
        bare = details(conn, 2019010602, "V243")[1:3]  # form: -- (no gear)
    assert (first, usual, bare) == (("B1", True), ("B/TT", False), (None, False))


def test_rail_rating_band_and_race_name(loaded: psycopg.Connection) -> None:
    with loaded as conn:
        rows = dict((r[0], r[1:]) for r in conn.execute(
            "SELECT race_id, race_name, rail, rating_band_low, rating_band_high "
            "FROM modeling.src_race_details WHERE race_id IN (2019010601, 2019010602)"))
    assert rows[2019010602] == ("城南讓賽", "C+3", 0, 40)  # turf, "C+3", band 40-0
    assert rows[2019010601][1] is None  # the all-weather track has no rail


def test_names_without_the_brand_code(loaded: psycopg.Connection) -> None:
    with loaded as conn:
        names = details(conn, 2019010601, "T253")[-3:]
    assert names == ("漸信名駒", "田泰安", "葉楚航")  # 漸信名駒 (T253), 田泰安, 葉楚航


def test_each_runners_sectionals_add_up_to_its_finish_time(loaded: psycopg.Connection) -> None:
    with loaded as conn:  # two files, read separately, agree to the hundredth
        rows = conn.execute("SELECT finish_time_s, sectional_times FROM racing.runners "
                            "WHERE sectional_times IS NOT NULL").fetchall()
    assert len(rows) > 30
    assert all(abs(finish - sum(secs)) < 0.015 for finish, secs in rows)
