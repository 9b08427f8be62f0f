"""The whole loop on the committed Betfair ANZ slice: load -> market-only model -> score_day
as of each race's scheduled off -> bets proposed against the exchange with its commission ->
settled -> CLV against the BSP.

Expected values come from the raw CSV read with csv alone and from the formulas of
docs/bets.md applied by hand; the commission is the one stated in modeling.exchange_terms."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from hrdpg.loader.betfair_anz import STATE_TZ
from tests.conftest import ServerHandle, private_copy
from tests.paths import TEST_DATA

SLICE = TEST_DATA / "betfair-anz"
DAY = dt.date(2025, 1, 6)


def raw_runners() -> dict[tuple[int, int], dict[str, str]]:
    with (SLICE / "ANZ_Thoroughbreds_2025_01.csv").open(newline="", encoding="utf-8-sig") as fh:
        return {(int(r["WIN_MARKET_ID"]), int(r["SELECTION_ID"])): r for r in csv.DictReader(fh)
                if r["LOCAL_MEETING_DATE"] == DAY.isoformat()}


def scheduled_off(r: dict[str, str]) -> dt.datetime:
    clock = dt.time.fromisoformat(r["SCHEDULED_RACE_TIME"].zfill(8))
    return dt.datetime.combine(DAY, clock, tzinfo=ZoneInfo(STATE_TZ[r["STATE_CODE"]]))


@pytest.fixture(scope="module")
def world(server: ServerHandle, template_db: str) -> Iterator[Settings]:
    """The slice loaded and a market-only model trained on 2025-01-01..05, promoted."""
    with private_copy(server, template_db) as db:
        dsn = ["--dsn", db.conninfo()]
        assert main([*dsn, "load", "betfair-anz", str(SLICE), "--quiet"]) == 0
        assert main([*dsn, "train", "--train-from", "2025-01-01", "--train-to", "2025-01-05",
                     "--test-from", DAY.isoformat(), "--test-to", DAY.isoformat(),
                     "--name", "bfmkt", "--features", "mkt_latest_prob",
                     "--promote", "production", "--max-rounds", "200"]) == 0
        yield db


def signals_at(conn: psycopg.Connection, as_of: dt.datetime) -> list[dict[str, Any]]:
    conn.execute("SELECT modeling.score_day(%s, %s)", (DAY, as_of))
    conn.commit()
    cur = conn.execute("SELECT * FROM modeling.signals WHERE race_date = %s AND as_of = %s",
                       (DAY, as_of))
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur]


def commission(conn: psycopg.Connection, source: str) -> float:
    row = conn.execute("SELECT (modeling.exchange_terms(%s)).commission", (source,)).fetchone()
    assert row is not None
    return float(row[0])


def test_a_price_is_used_only_from_the_scheduled_off(world: Settings) -> None:
    raw = raw_runners()
    offs = sorted({scheduled_off(r) for r in raw.values()})
    with psycopg.connect(world.conninfo()) as conn:
        before = signals_at(conn, offs[0] - dt.timedelta(minutes=2))
        assert all(s["best_win_odds"] is None for s in before)
        as_of = offs[2]
        priced = {(s["race_id"], s["horse_id"]): s["best_win_odds"]
                  for s in signals_at(conn, as_of) if s["best_win_odds"] is not None}
    expected = {k: float(r["BEST_AVAIL_BACK_AT_SCHEDULED_OFF"]) for k, r in raw.items()
                if scheduled_off(r) <= as_of and r["BEST_AVAIL_BACK_AT_SCHEDULED_OFF"]}
    assert priced == expected


def test_edges_and_kelly_are_net_of_the_commission(world: Settings) -> None:
    with psycopg.connect(world.conninfo()) as conn:
        c = commission(conn, "betfair_back")
        assert 0 < c < 1
        sig = [s for s in signals_at(conn, max(scheduled_off(r) for r in raw_runners().values()))
               if s["best_win_odds"] is not None]
    assert {s["best_odds_source"] for s in sig} == {"betfair_back"}
    for s in sig:
        net = 1 + (s["best_win_odds"] - 1) * (1 - c)
        assert s["edge_win"] == pytest.approx(s["p_win"] * net - 1, abs=1e-12)
        assert s["kelly_fraction"] == pytest.approx(max((s["p_win"] * net - 1) / (net - 1), 0),
                                                    abs=1e-12)


def test_replayed_day_settles_net_of_commission_with_bsp_as_close(world: Settings) -> None:
    raw = raw_runners()
    with psycopg.connect(world.conninfo()) as conn:
        for as_of in sorted({scheduled_off(r) for r in raw.values()}):  # as each race is due
            signals_at(conn, as_of)
            assert main(["--dsn", world.conninfo(), "bets", "propose", DAY.isoformat(),
                         "--as-of", as_of.isoformat()]) == 0
        assert main(["--dsn", world.conninfo(), "bets", "settle", DAY.isoformat()]) == 0
        c = commission(conn, "betfair_back")
        cur = conn.execute("SELECT * FROM modeling.bets WHERE race_date = %s AND status = "
                           "'settled'", (DAY,))
        names = [d.name for d in cur.description or []]
        bets = [dict(zip(names, row, strict=True)) for row in cur]
    assert bets
    print(f"\n{DAY}: {len(bets)} bets settled, staked {sum(b['stake'] for b in bets)}, "
          f"P&L {sum(b['pnl'] for b in bets)} net of {c:.0%} commission")
    for b in bets:
        r = raw[(b["race_id"], b["horse_id"])]
        assert b["signal_as_of"] == scheduled_off(r)  # struck at the scheduled off ...
        assert b["odds"] == float(r["BEST_AVAIL_BACK_AT_SCHEDULED_OFF"])  # ... at that price
        bsp = float(r["WIN_BSP"])
        assert (b["closing_source"], b["closing_odds"]) == ("SP", bsp)
        assert b["clv_odds"] == pytest.approx(b["odds"] / bsp - 1)
        stake = float(b["stake"])
        won = stake * (b["odds"] - 1) * (1 - c) if r["WIN_RESULT"] == "WINNER" else -stake
        assert float(b["pnl"]) == pytest.approx(won, abs=0.006)
