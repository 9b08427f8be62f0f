"""A bankroll under the floor halts the profile: every bet is rejected as 'halted' and a
critical alert fires, until resume_betting, which is refused while still under the floor."""

from __future__ import annotations

import psycopg
import pytest

from tests.db.bets import world as w


def test_halt_then_resume(conn: psycopg.Connection) -> None:
    w.card(conn)
    w.limits(conn, bankroll_floor=10001)  # bankroll 10000 is under it
    conn.commit()
    rows = w.propose(conn)
    assert rows and {r["reject_reason"] for r in rows} == {"halted"}
    halted = conn.execute("SELECT halted, halted_reason FROM modeling.risk_limits "
                          "WHERE profile = 'default'").fetchone()
    assert halted is not None and halted[0] and "below floor" in halted[1]
    assert conn.execute("SELECT severity FROM modeling.alerts WHERE category = 'bets' AND "
                        "dedup_key = 'halt:default'").fetchall() == [("critical",)]

    # Lowering the floor alone does not restart betting: the halt stays until resumed.
    w.limits(conn, bankroll_floor=0)
    conn.commit()
    assert w.propose(conn) == []  # the same 'halted' decisions, already recorded
    assert conn.execute("SELECT count(*) FROM modeling.bets WHERE status <> 'rejected'"
                        ).fetchone() == (0,)

    w.limits(conn, bankroll_floor=10001)
    conn.commit()
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="below its floor"):
        conn.execute("SELECT modeling.resume_betting('default')")
    conn.rollback()

    w.limits(conn, bankroll_floor=0)
    assert conn.execute("SELECT modeling.resume_betting('default')").fetchone() == (True,)
    conn.commit()
    rows = w.propose(conn)
    assert len(rows) == 5 and {r["status"] for r in rows} == {"proposed"}
