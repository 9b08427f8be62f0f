"""`hrdpg bets`: propose, settle and pnl print the ledger; a bad profile is a clear error."""

from __future__ import annotations

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.db.bets import world as w


def test_cli_round_trip(db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        _, a, b = w.card(conn)
        dsn = db.conninfo()
        day = w.DAY.isoformat()
        assert main(["--dsn", dsn, "bets", "propose", day, "--as-of",
                     w.MORNING.isoformat()]) == 0
        assert "5 bets, 0 rejected" in capsys.readouterr().out
        w.result(conn, 1, {a[0]: 1})
        w.result(conn, 2, {b[3]: 1})
        conn.commit()
        assert main(["--dsn", dsn, "bets", "settle", day]) == 0
        assert "settlement" in capsys.readouterr().out
        assert main(["--dsn", dsn, "bets", "pnl", "--from", day, "--to", day]) == 0
        out = capsys.readouterr().out
        pnl = conn.execute("SELECT pnl FROM modeling.bets_pnl_daily").fetchone()
        assert pnl is not None and str(pnl[0]) in out and "mean_clv_odds" in out
        assert main(["--dsn", dsn, "bets", "propose", day, "--profile", "nobody"]) == 1
        assert "unknown risk profile 'nobody'" in capsys.readouterr().err
        assert main(["--dsn", dsn, "bets", "resume", "default"]) == 0
        assert "was not halted" in capsys.readouterr().out
