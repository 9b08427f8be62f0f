"""The report's top-signals table names each horse, its jockey and trainer."""

from __future__ import annotations

from pathlib import Path

import psycopg

from hrdpg.cli import main
from hrdpg.config import Settings
from tests.db.monitoring.world import DAY, add_model, add_signals


def test_top_signals_show_the_names(synth_db: Settings, synth_conn: psycopg.Connection,
                                    tmp_path: Path) -> None:
    add_signals(synth_conn, add_model(synth_conn))
    synth_conn.commit()
    assert main(["--dsn", synth_db.conninfo(), "report", "--date", str(DAY),
                 "--out", str(tmp_path)]) == 0
    page = (tmp_path / "index.html").read_text()
    shown = synth_conn.execute(
        "SELECT n.horse_name, n.jockey_name, n.trainer_name FROM modeling.latest_signals s "
        "JOIN racing.runners n USING (race_id, horse_id) WHERE s.race_date = %s "
        "ORDER BY s.edge_win DESC NULLS LAST, s.race_id, s.horse_id LIMIT 3", (DAY,)).fetchall()
    assert len(shown) == 3
    assert all(f">{name}<" in page for row in shown for name in row)
