"""Real Betfair ANZ data through the loader: counts, winners, and BSP calibration.

The calibration table is computed from the raw CSVs in plain Python, independently of the
converter and the database, so a mapping bug cannot hide behind a matching bug.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict

import psycopg
import pytest

from hrdpg.loader.betfair_anz import load_betfair_anz
from tests.paths import SHARED_DATA

DATA = SHARED_DATA / "betfair-anz"
pytestmark = pytest.mark.skipif(
    not any(DATA.glob("*.csv")) if DATA.is_dir() else True,
    reason=f"real Betfair ANZ data not present at {DATA} (see ../shared/README.md)")

BANDS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0001)
MIN_BAND_RUNNERS = 300


def test_loads_with_one_winner_or_dead_heat(conn: psycopg.Connection) -> None:
    summary, reports = load_betfair_anz(conn, [DATA])
    assert [r.table for r in reports] == ["races", "runners", "odds"]
    assert all(r.ok for r in reports), [r.render() for r in reports]
    races, runners, odds = reports
    # ~6,400 markets, ~61,600 runners once the repeated place-market rows are dropped.
    assert 6000 <= races.inserted <= 7000 and races.rejected == 0
    assert 55_000 <= runners.inserted <= 65_000 and runners.rejected == 0
    assert summary.repeated_rows > 0 and summary.dead_heat_races > 0
    # Three sources per runner (back, VWAP, BSP), less the back prices of the few races that
    # jumped early and the runners without BSP.
    assert odds.rejected == 0 and 3 * runners.inserted - 300 <= odds.inserted \
        <= 3 * runners.inserted
    bad = conn.execute("""
        SELECT race_id, count(*) FILTER (WHERE finish_pos = 1) AS winners,
               bool_and(dead_heat) FILTER (WHERE finish_pos = 1) AS dh
          FROM racing.runners GROUP BY race_id
        HAVING count(*) FILTER (WHERE finish_pos = 1) <> 1
           AND NOT (count(*) FILTER (WHERE finish_pos = 1) > 1
                    AND bool_and(dead_heat) FILTER (WHERE finish_pos = 1))""").fetchall()
    assert bad == []
    # The back price is the only one known before the jump; VWAP and BSP are stamped at it.
    assert conn.execute("""SELECT o.source, bool_and(o.observed_at < r.off_time),
                                  bool_and(o.observed_at = r.off_time)
                             FROM racing.odds o JOIN racing.races r USING (race_id)
                            GROUP BY o.source ORDER BY o.source""").fetchall() == [
        ("betfair_back", True, False), ("betfair_bsp", False, True),
        ("betfair_vwap", False, True)]


def raw_bsp_probabilities() -> list[tuple[float, float]]:
    """(overround-free BSP probability, win share) per runner, straight from the CSVs."""
    markets: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for path in sorted(DATA.glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                markets[row["WIN_MARKET_ID"]][row["SELECTION_ID"]] = row
    out: list[tuple[float, float]] = []
    for field in markets.values():
        if any(not r["WIN_BSP"] for r in field.values()):
            continue  # a runner without BSP leaves the book incomplete
        inverse = {k: 1 / float(r["WIN_BSP"]) for k, r in field.items()}
        book = sum(inverse.values())
        n_win = sum(r["WIN_RESULT"] == "WINNER" for r in field.values())
        for k, r in field.items():
            won = r["WIN_RESULT"] == "WINNER"
            out.append((inverse[k] / book, 1 / n_win if won else 0.0))  # dead heat: shared
    return out


def test_bsp_probabilities_are_calibrated() -> None:
    pairs = raw_bsp_probabilities()
    assert len(pairs) > 50_000
    checked = 0
    for lo, hi in zip(BANDS, BANDS[1:], strict=False):
        band = [(p, w) for p, w in pairs if lo <= p < hi]
        if len(band) < MIN_BAND_RUNNERS:
            continue
        mean_p = sum(p for p, _ in band) / len(band)
        observed = sum(w for _, w in band) / len(band)
        se = math.sqrt(mean_p * (1 - mean_p) / len(band))
        assert abs(observed - mean_p) <= 4 * se, (lo, hi, len(band), mean_p, observed)
        checked += 1
    assert checked >= 6


def test_market_feature_known_for_every_runner_with_a_pre_off_price(
        conn: psycopg.Connection) -> None:
    load_betfair_anz(conn, [DATA])
    conn.execute("SELECT modeling.refresh_features('2025-01-01', '2025-04-30')")
    counts = conn.execute(
        "SELECT count(*), count(mkt_latest_prob) FROM modeling.runner_features").fetchone()
    assert counts is not None
    runners, with_feature = counts
    backed = conn.execute("SELECT count(DISTINCT (race_id, horse_id)) FROM racing.odds "
                          "WHERE source = 'betfair_back'").fetchone()
    assert backed == (with_feature,)
    assert with_feature >= 0.99 * runners  # every price stamped at the off gave 0.2 %
