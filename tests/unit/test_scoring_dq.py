"""The DQ gate on hand-made races: each failure blocks only its own race."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hrdpg_pl.scoring_dq import gate


def test_each_check_blocks_its_race_only() -> None:
    race_ids = np.array([10, 20, 30, 40, 50])
    # race 10 good; 20 one runner; 30 duplicate horse; 40 mostly NULL; 50 sums to 0.9
    idx = np.array([0, 0, 1, 2, 2, 3, 3, 4, 4])
    horse = np.array([1, 2, 3, 4, 4, 5, 6, 7, 8])
    x = np.zeros((9, 4))
    x[5:7, :3] = np.nan
    p = np.array([0.4, 0.6, 1.0, 0.5, 0.5, 0.3, 0.7, 0.45, 0.45])
    odds = np.array([2.0, 1.0, np.nan, 3.0, 3.0, 2.0, 2.0, 2.0, 2.0])
    invalid = odds == 1.0
    g = gate(race_ids, idx, horse, x, p, invalid, odds, 0.5, model_id=1)
    assert g.blocked.tolist() == [False, True, True, True, True]
    failed = {(r, c) for r, c, ok in zip(g.race_id, g.check_name, g.passed, strict=True)
              if not ok}
    assert failed == {(10, "odds_valid"), (20, "min_runners"), (20, "probabilities_valid"),
                      (30, "no_duplicate_runner"), (40, "null_feature_share"),
                      (50, "probabilities_sum")}
    odds_row = g.race_id.index(10) + g.check_name[g.race_id.index(10):].index("odds_valid")
    assert not g.is_blocked[odds_row]
    assert json.loads(g.details[odds_row])["invalid"] == [{"horse_id": 2, "odds": 1.0}]
    assert len(g.race_id) == 6 * race_ids.size
    # Details are written as json.dumps writes them (the gate builds them from templates).
    assert all(json.dumps(json.loads(d)) == d for d in g.details)
    share = [json.loads(d) for d, c in zip(g.details, g.check_name, strict=True)
             if c == "null_feature_share"]
    assert share[3] == {"model_id": 1, "share": round(6 / 8, 6), "max": 0.5}
    sums = [json.loads(d)["sum"] for d, c in zip(g.details, g.check_name, strict=True)
            if c == "probabilities_sum"]
    assert sums == [1.0, 1.0, 1.0, 1.0, 0.9]
    assert g.passed[g.check_name.index("odds_valid") + 6] is True  # race 20's odds check


def test_book_check_judges_complete_books_by_their_kind() -> None:
    from hrdpg_pl.scoring_dq import BOOK_RANGE, GateResult, book_check

    race_ids = np.array([1, 2, 3, 4, 5])
    # 1: a bookmaker book of 0.76 (a data error); 2: 1.15; 3: one runner unpriced;
    # 4: a tote at 1.2; 5: an exchange at 1.3
    odds = np.array([1 / 0.19] * 4 + [2.0, 1 / 0.65, 3.0, np.nan, 1 / 0.6, 1 / 0.6,
                                      1 / 0.65, 1 / 0.65])
    idx = np.array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    kinds: list[str | None] = ["bookmaker"] * 8 + ["tote", "tote", "exchange", "exchange"]
    g = GateResult(blocked=np.zeros(5, dtype=bool))
    bad = book_check(race_ids, idx, odds, kinds, g, model_id=7)
    books = [0.76, 1.15, None, 1.2, 1.3]
    expected = [b is not None and not (BOOK_RANGE[k][0] <= b <= BOOK_RANGE[k][1])
                for b, k in zip(books, ["bookmaker", "bookmaker", None, "tote", "exchange"],
                                strict=True)]
    assert bad.tolist() == expected == [True, False, False, False, True]
    details = [json.loads(d) for d in g.details]
    assert details[0]["book"] == pytest.approx(0.76) and details[2]["book"] is None
    assert g.check_name == ["book_plausible"] * 5 and not any(g.is_blocked)


def test_content_rules_withhold_stakes_at_their_thresholds() -> None:
    from hrdpg_pl.scoring_dq import (
        MAX_ATTRIBUTE_NULL_SHARE,
        PRICED_HISTORY_SHARE,
        STALE_PRICE_AFTER_S,
        GateResult,
        content_check,
    )

    race_ids = np.array([1, 2, 3, 4, 5, 6])
    nan = np.nan
    # 1 unpriced, course priced; 2 unpriced, course rarely priced; 3 unpriced, no history;
    # 4 stale; 5 fresh; 6 stripped card
    age = np.array([nan, nan, nan, STALE_PRICE_AFTER_S + 1, STALE_PRICE_AFTER_S, 60.0])
    share = np.array([PRICED_HISTORY_SHARE, PRICED_HISTORY_SHARE - 0.01, nan, 1, 1, 1])
    attr = np.array([0, 0, 0, 0, MAX_ATTRIBUTE_NULL_SHARE, MAX_ATTRIBUTE_NULL_SHARE + 0.01])
    g = GateResult(blocked=np.zeros(6, dtype=bool))
    withheld = content_check(race_ids, age, share, attr, g, model_id=3)
    assert g.withheld == {1: ["prices_present"], 4: ["prices_fresh"],
                          6: ["attributes_present"]}
    assert withheld.tolist() == [r in g.withheld for r in race_ids.tolist()]
    assert g.withheld_races(race_ids).tolist() == withheld.tolist()
    assert not any(g.is_blocked) and len(g.race_id) == 3 * race_ids.size
    details = {(r, c): json.loads(d) for r, c, d in
               zip(g.race_id, g.check_name, g.details, strict=True)}
    assert details[(4, "prices_fresh")]["newest_age_s"] == STALE_PRICE_AFTER_S + 1
    assert details[(3, "prices_present")]["course_priced_share"] is None


def test_history_nulls_do_not_count() -> None:
    # one race of 4 runners, 2 field and 3 history columns: two debutants (no history at all),
    # one runner with one history value missing, one complete; one field value missing
    idx = np.zeros(4, dtype=np.int64)
    x = np.ones((4, 5))
    x[0:2, 2:] = np.nan
    x[2, 4] = np.nan
    x[3, 0] = np.nan
    args = (np.array([1]), idx, np.arange(4), x, np.full(4, 0.25), np.zeros(4, dtype=bool),
            np.full(4, 4.0), 0.5)
    shares = [json.loads(d)["share"] for d, c in zip(gate(*args, model_id=1).details,
                                                     gate(*args, model_id=1).check_name,
                                                     strict=True) if c == "null_feature_share"]
    with_rule = gate(*args, model_id=1, history_cols=[2, 3, 4])
    ruled = [json.loads(d)["share"] for d, c in zip(with_rule.details, with_rule.check_name,
                                                    strict=True) if c == "null_feature_share"]
    # counted by hand: 8 of the 20 cells are NULL, 1 of them outside the history columns
    assert shares == [round(8 / 20, 6)] and ruled == [round(1 / 20, 6)]
    assert not with_rule.blocked.any()
