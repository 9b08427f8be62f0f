"""Where `hrdpg report --out` writes: DIR/index.html, a named .html file, or ./report-DATE.html;
a missing parent or a bad --days is a clear error."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pytest

from hrdpg.cli.report import _days, target
from hrdpg.errors import HrdpgError

DAY = dt.date(2026, 5, 1)


def test_directory_gets_index_html(tmp_path: Path) -> None:
    assert target(DAY, tmp_path) == tmp_path / "index.html"
    new = tmp_path / "daily"
    assert target(DAY, new) == new / "index.html" and new.is_dir()


def test_html_file_and_default(tmp_path: Path) -> None:
    assert target(DAY, tmp_path / "r.html") == tmp_path / "r.html"
    assert not (tmp_path / "r.html").exists()
    existing = tmp_path / "report"
    existing.write_text("old")
    assert target(DAY, existing) == existing
    assert target(DAY, None) == Path(f"report-{DAY}.html")


def test_missing_parent_and_bad_days(tmp_path: Path) -> None:
    with pytest.raises(HrdpgError, match="does not exist"):
        target(DAY, tmp_path / "no" / "dir")
    assert _days("7") == 7
    for bad in ("0", "-3", "x", "400"):
        with pytest.raises(argparse.ArgumentTypeError, match="1 to 366"):
            _days(bad)
