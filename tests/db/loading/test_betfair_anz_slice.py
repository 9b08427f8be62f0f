"""Betfair ANZ on the committed slice (tests/data/betfair-anz): each price stamped when it was
known, and bad values reported against the original ANZ file and line.

Expected values come from the raw CSV read with csv alone (clock strings compared as text:
every race of the slice jumps on its meeting day)."""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from hrdpg.loader.betfair_anz import STATE_TZ, load_betfair_anz
from tests.paths import TEST_DATA

SLICE = TEST_DATA / "betfair-anz"
FILE = SLICE / "ANZ_Thoroughbreds_2025_01.csv"


def raw_rows() -> list[dict[str, str]]:
    with FILE.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def jumped_late(r: dict[str, str]) -> bool:
    return r["ACTUAL_OFF_TIME"].zfill(8) > r["SCHEDULED_RACE_TIME"].zfill(8)


def test_each_price_is_its_own_source_stamped_when_known(conn: psycopg.Connection) -> None:
    _, reports = load_betfair_anz(conn, [SLICE])
    assert all(r.ok and r.rejected == 0 for r in reports), [r.render() for r in reports]
    rows = raw_rows()
    expected = {  # source -> (rows before the off, rows at the off)
        "betfair_back": (sum(bool(r["BEST_AVAIL_BACK_AT_SCHEDULED_OFF"]) and jumped_late(r)
                             for r in rows), 0),
        "betfair_vwap": (0, sum(bool(r["WIN_PREPLAY_WEIGHTED_AVERAGE_PRICE_TAKEN"])
                                for r in rows)),
        "betfair_bsp": (0, sum(bool(r["WIN_BSP"]) for r in rows))}
    got = {s: (int(a), int(b)) for s, a, b in conn.execute("""
        SELECT o.source, count(*) FILTER (WHERE o.observed_at < r.off_time),
               count(*) FILTER (WHERE o.observed_at = r.off_time)
          FROM racing.odds o JOIN racing.races r USING (race_id) GROUP BY o.source""")}
    assert got == expected


def test_off_time_is_the_actual_jump(conn: psycopg.Connection) -> None:
    load_betfair_anz(conn, [SLICE])
    jump = {int(r["WIN_MARKET_ID"]): (r["ACTUAL_OFF_TIME"], r["STATE_CODE"]) for r in raw_rows()}
    offs = conn.execute("SELECT race_id, off_time FROM racing.races").fetchall()
    assert len(offs) == len(jump)
    for race_id, off in offs:
        clock, state = jump[race_id]
        assert off.astimezone(ZoneInfo(STATE_TZ[state])).strftime("%H:%M:%S") == clock.zfill(8)


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """The slice's first two markets with a bad BSP, an odds value out of range and a track
    that disagrees within its market; returns the file and the line of each damage."""
    rows = raw_rows()
    markets = list(dict.fromkeys(r["WIN_MARKET_ID"] for r in rows))[:2]
    rows = [r for r in rows if r["WIN_MARKET_ID"] in markets]
    lines = {"bsp": 3, "back": 4, "track": 5}  # physical lines: header is line 1
    rows[lines["bsp"] - 2]["WIN_BSP"] = "abc"
    rows[lines["back"] - 2]["BEST_AVAIL_BACK_AT_SCHEDULED_OFF"] = "0.5"
    rows[lines["track"] - 2]["TRACK"] = "Somewhere Else"
    path = tmp_path / FILE.name
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path, lines


def test_bad_bsp_nulls_the_field_and_keeps_runner_and_odds(
        conn: psycopg.Connection, damaged: tuple[Path, dict[str, int]]) -> None:
    path, lines = damaged
    load_betfair_anz(conn, [path])
    bad = raw_rows()[lines["bsp"] - 2]
    key = (int(bad["WIN_MARKET_ID"]), int(bad["SELECTION_ID"]))
    assert conn.execute("SELECT sp_decimal FROM racing.runners WHERE (race_id, horse_id) = "
                        "(%s, %s)", key).fetchone() == (None,)
    assert conn.execute("SELECT column_name, source_file, source_line FROM modeling.load_nulled"
                        ).fetchall() == [("sp_decimal", path.name, lines["bsp"])]
    kept = {s for (s,) in conn.execute("SELECT source FROM racing.odds WHERE (race_id, horse_id)"
                                       " = (%s, %s)", key)}
    assert kept == {"betfair_back", "betfair_vwap"}


def test_rejects_name_the_anz_file_and_line(
        conn: psycopg.Connection, damaged: tuple[Path, dict[str, int]]) -> None:
    path, lines = damaged
    _, reports = load_betfair_anz(conn, [path])
    rejects = conn.execute("SELECT reason, source_file, source_line FROM modeling.load_rejects"
                           " ORDER BY source_line").fetchall()
    assert rejects == [("bad_number:decimal_odds", path.name, lines["bsp"]),
                       ("odds_out_of_range:decimal_odds", path.name, lines["back"])]
    assert f"{path.name} line {lines['back']}" in reports[2].render()


def test_race_values_that_disagree_are_counted_and_named(
        conn: psycopg.Connection, damaged: tuple[Path, dict[str, int]]) -> None:
    path, lines = damaged
    summary, _ = load_betfair_anz(conn, [path])
    assert dict(summary.race_conflicts) == {"TRACK": 1}
    assert f"{path.name} line {lines['track']} (TRACK)" in summary.render()
    first = raw_rows()[0]
    assert conn.execute("SELECT DISTINCT course FROM racing.races WHERE race_id = %s",
                        (int(first["WIN_MARKET_ID"]),)).fetchall() == [(first["TRACK"],)]
