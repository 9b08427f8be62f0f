"""`hrdpg bets limits set|show`: a change round-trips, a value the table's rules refuse
changes nothing and says so in one line, every limit has a flag, show prints the live state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hrdpg.cli import bets_limits, main
from hrdpg.config import Settings
from tests.db.bets import world as w


def _row(conn: psycopg.Connection) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM modeling.risk_limits WHERE profile = 'default'")
    row = cur.fetchone()
    conn.commit()
    assert row is not None
    return dict(zip([d.name for d in cur.description or []], row, strict=True))


def test_set_then_show(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    new = {"kelly_multiplier": Decimal("0.3"), "max_stake_per_bet": Decimal("150.5"),
           "max_bets_per_day": 7}
    flags = [x for k, v in new.items() for x in ("--" + k.replace("_", "-"), str(v))]
    assert main(["--dsn", db.conninfo(), "bets", "limits", "set", *flags]) == 0
    capsys.readouterr()
    assert main(["--dsn", db.conninfo(), "bets", "limits", "show"]) == 0
    out = capsys.readouterr().out
    with psycopg.connect(db.conninfo()) as conn:
        row = _row(conn)
    assert {k: row[k] for k in new} == new
    shown = {line.split("│")[1].strip(): line.split("│")[2].strip()
             for line in out.splitlines() if line.count("│") == 3}
    assert {k: Decimal(shown[k]) for k in new} == new


@pytest.mark.parametrize("flags, rule", [
    (["--kelly-multiplier", "1.5"], "kelly_multiplier <= 1"),
    (["--max-stake-per-bet", "5000"], "max_stake_per_bet <= max_stake_per_race"),
    (["--max-bets-per-race", "0"], "max_bets_per_race > 0"),
])
def test_out_of_range_changes_nothing(db: Settings, capsys: pytest.CaptureFixture[str],
                                      flags: list[str], rule: str) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        before = _row(conn)
        assert main(["--dsn", db.conninfo(), "bets", "limits", "set", *flags,
                     "--min-edge", "0.05"]) == 1
        assert _row(conn) == before
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and rule in err and "unchanged" in err


def test_every_limit_has_a_flag(conn: psycopg.Connection) -> None:
    flagged = {name for name, _, _ in bets_limits.LIMITS}
    columns = [r[0] for r in conn.execute(
        "SELECT attname::text FROM pg_attribute WHERE attrelid = 'modeling.risk_limits'"
        "::regclass AND attnum > 0 AND NOT attisdropped")]
    assert flagged <= set(columns)
    for col in set(columns) - flagged:  # the others are state, which set_risk_limits refuses
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="not a risk limit"):
            conn.execute("SELECT modeling.set_risk_limits('default', "
                         "jsonb_build_object(%s::text, 1))", (col,))
        conn.rollback()


def test_show_prints_the_live_state(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        m, a, _ = w.card(conn)
        lost = w.bet(conn, m, 1, a[0], "80.00", 5.0)
        w.bet(conn, m, 1, a[1], "25.00", 5.0)
        conn.execute("UPDATE modeling.bets SET status = 'settled', settled_at = now(), "
                     "return_amount = 0, pnl = -stake WHERE bet_id = %s", (lost,))
        w.limits(conn, bankroll_floor=9950)
        conn.commit()
        assert conn.execute("SELECT modeling.enforce_risk_limits('default', %s)",
                            (w.DAY,)).fetchone() == (True,)
        conn.commit()
        ledger = conn.execute("SELECT sum(pnl), sum(stake) FILTER (WHERE status = 'proposed')"
                              " FROM modeling.bets").fetchone()
        assert ledger is not None
    assert main(["--dsn", db.conninfo(), "bets", "limits", "show", "--date",
                 w.DAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("profile default: HALTED since ")
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in out.splitlines() if line.count("│") == 3}
    assert Decimal(rows["bankroll now (configured + settled P&L)"]) == 10000 + ledger[0]
    assert Decimal(rows["P&L of the day's settled bets"]) == ledger[0]
    assert Decimal(rows["open stakes of the day"]) == ledger[1]
