"""`hrdpg report` on a monitored day: a self-contained, well-formed page holding the computed
monitoring numbers, calibration, drift, open alerts and bets."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import psycopg
import pytest

from hrdpg.cli import main
from hrdpg.config import Settings
from hrdpg.report.markup import fmt
from tests.db.monitoring.world import DAY, add_model, add_signals, recent_reference


def test_report_shows_the_days_numbers(synth_db: Settings, synth_conn: psycopg.Connection,
                                       tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    mid = add_model(synth_conn, baseline_brier=0.01, reference=recent_reference(synth_conn))
    add_signals(synth_conn, mid)
    synth_conn.execute("SELECT modeling.monitor_day(%s)", (DAY,))
    race, horse = synth_conn.execute("SELECT race_id, horse_id FROM modeling.signals "
                                     "LIMIT 1").fetchone() or (0, 0)
    synth_conn.execute(
        "INSERT INTO modeling.bets (race_id, horse_id, race_date, model_id, signal_as_of, "
        "bet_type, stake, odds, odds_source, p_win, edge, status, settled_at, return_amount, "
        "pnl, clv_prob) VALUES (%s, %s, %s, %s, now(), 'win', 10, 4.5, 'test', 0.3, 0.05, "
        "'settled', now(), 45, 35, 0.0123)", (race, horse, DAY, mid))
    synth_conn.commit()

    assert main(["--dsn", synth_db.conninfo(), "report", "--date", str(DAY),
                 "--out", str(tmp_path)]) == 0
    path = tmp_path / "index.html"
    assert str(path) in capsys.readouterr().out
    page = path.read_text()
    ET.fromstring(page.split("\n", 1)[1])  # well-formed markup

    daily = synth_conn.execute("SELECT brier, log_loss, market_log_loss, ece, status "
                               "FROM modeling.monitoring_daily").fetchone()
    assert daily is not None and daily[4] == "critical"
    for v in daily[:4]:
        assert f">{fmt(v)}<" in page
    top = synth_conn.execute("SELECT feature, psi FROM modeling.monitoring_drift "
                             "ORDER BY psi DESC LIMIT 1").fetchone()
    assert top is not None and f">{fmt(top[1])}<" in page and f">{top[0]}<" in page
    band = synth_conn.execute("SELECT mean_p, win_rate FROM modeling.monitoring_calibration "
                              "WHERE band_kind = 'probability' ORDER BY n DESC LIMIT 1"
                              ).fetchone()
    assert band is not None and f">{fmt(band[0])}<" in page and f">{fmt(band[1])}<" in page
    message = synth_conn.execute("SELECT message FROM modeling.alerts WHERE category = "
                                 "'calibration'").fetchone()
    assert message is not None and message[0] in page
    assert ">35.00<" in page and ">0.0123<" in page  # the bet's P&L and CLV
    assert page.count("<svg") >= 3  # reliability, log loss trend, drift bars
    # Nothing fetched at view time: no scripts, no external links or sources.
    assert "<script" not in page and not re.search(r'(src|href)="(?!#)', page)
