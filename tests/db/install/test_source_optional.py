"""Optional source views: migrate installs empty defaults for the ones a team's file leaves
out, and doctor checks their shape and says which optional data is absent."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from hrdpg import doctor, migrate
from hrdpg.config import Settings
from hrdpg.contract import OPTIONAL_VIEWS, absent_optional_data, check_source_views
from tests.db.install.source_views import required_only


def test_a_file_without_optional_views_migrates_to_empty_defaults(db: Settings,
                                                                  tmp_path: Path) -> None:
    migrate.migrate(db, source_views=required_only(tmp_path))
    with psycopg.connect(db.conninfo()) as conn:
        assert check_source_views(conn) == []
        for view in OPTIONAL_VIEWS:
            count = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("modeling", view))
            assert conn.execute(count).fetchone() == (0,)
        notes = absent_optional_data(conn)
    assert len(notes) == len(OPTIONAL_VIEWS)
    assert all("not provided by the source views" in n for n in notes)


def test_doctor_reports_a_wrong_type_in_an_optional_view(db: Settings) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        # the feature SQL reads it, and goes with it (migrate would write it again)
        conn.execute("DROP VIEW modeling.src_runner_details CASCADE")
        conn.execute("CREATE VIEW modeling.src_runner_details AS SELECT race_id, horse_id, "
                     "body_weight_kg::text AS body_weight_kg, gear, gear_first_time, "
                     "finish_time_s, running_positions, sectional_times FROM racing.runners")
    report = doctor.run(db)
    assert "modeling.src_runner_details.body_weight_kg is text, want numeric (cast it)" \
        in report.problems


def test_doctor_says_what_absent_optional_data_would_feed(db: Settings) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        conn.execute("INSERT INTO racing.races (race_id, race_date, off_time, course, country, "
                     "distance_m, rail) VALUES (1, '2025-03-01', '2025-03-01 14:00Z', 'Ascot', "
                     "'GB', 1600, 'C+3')")
    report = doctor.run(db)
    details = [w for w in report.warnings if "modeling.src_race_details" in w]
    assert len(details) == 1  # the rail is there; the name and band are not
    assert "rows): race_name, rating_band_low, rating_band_high; it would feed" in details[0]
    assert "rating_band_pos" in details[0]  # the feature the band feeds


def test_doctor_warns_when_no_index_serves_a_races_first_price(db: Settings) -> None:
    assert not any("src_odds" in w for w in doctor.run(db).warnings)
    with psycopg.connect(db.conninfo()) as conn:
        conn.execute("DROP INDEX racing.odds_race_observed_idx")
    assert any("CREATE INDEX ON <odds table> (race_id, observed_at)" in w
               for w in doctor.run(db).warnings)
