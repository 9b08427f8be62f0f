"""A team's source views file that defines only the required views (no tests here)."""

from __future__ import annotations

from pathlib import Path

from hrdpg.config import SQL_DIR

OPTIONAL_MARK = "-- Optional views"


def required_only(tmp_path: Path) -> Path:
    """sql/source_views.sql cut before its optional views, as a team's own file."""
    text = (SQL_DIR / "source_views.sql").read_text()
    assert OPTIONAL_MARK in text
    path = tmp_path / "team_source_views.sql"
    path.write_text(text.split(OPTIONAL_MARK)[0])
    return path
