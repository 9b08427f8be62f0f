"""An upgrade or downgrade is all or nothing: a failure half-way (a broken sql/ file, an
unknown revision) leaves every view, function and grant in place and scoring working."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from hrdpg import migrate
from hrdpg.cli import main
from hrdpg.config import Settings
from hrdpg.errors import HrdpgError

OBJECTS = ("SELECT (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
           " WHERE n.nspname = 'modeling'), (SELECT count(*) FROM pg_views"
           " WHERE schemaname = 'modeling'), (SELECT count(*) FROM pg_proc p"
           " CROSS JOIN LATERAL aclexplode(p.proacl) a WHERE p.pronamespace ="
           " 'modeling'::regnamespace)")


def state(db: Settings) -> tuple[object, ...]:
    with psycopg.connect(db.conninfo()) as conn:
        row = conn.execute(OBJECTS).fetchone()
        version = conn.execute("SELECT modeling.feature_version()").fetchone()
        rev = migrate.current_revision(conn)
    assert row is not None and version is not None
    return (*row, version[0], rev)


def test_a_failure_half_way_through_an_upgrade_changes_nothing(db: Settings,
                                                                tmp_path: Path) -> None:
    before = state(db)
    broken = tmp_path / "my_source_views.sql"
    # Loaded after every revision and after the drop of the reloadable objects.
    broken.write_text("CREATE OR REPLACE VIEW modeling.src_races AS SELECT no_such_column "
                      "FROM racing.races;")
    with pytest.raises(HrdpgError, match="my_source_views.sql"):
        migrate.migrate(db, source_views=broken)
    assert state(db) == before


@pytest.mark.parametrize("action", ["migrate", "downgrade"])
def test_an_unknown_revision_is_refused_before_anything_changes(db: Settings,
                                                                 action: str) -> None:
    before = state(db)
    with pytest.raises(HrdpgError, match="unknown revision '0010_typo'.*nothing was changed"):
        if action == "migrate":
            migrate.migrate(db, target="0010_typo")
        else:
            migrate.downgrade(db, "0010_typo")
    assert state(db) == before


def test_cli_downgrade_asks_before_dropping_data(db: Settings,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(db.conninfo()) as conn:
        conn.execute("INSERT INTO modeling.runs (kind, params) VALUES ('load', '{}')")
        conn.commit()
    before = state(db)
    assert main(["--dsn", db.conninfo(), "db", "downgrade", "base"]) == 1
    err = capsys.readouterr().err
    assert "--yes" in err and "1 runs" in err and "Traceback" not in err
    assert main(["--dsn", db.conninfo(), "db", "downgrade", "0010_typo", "--yes"]) == 1
    assert "unknown revision" in capsys.readouterr().err
    assert state(db) == before
