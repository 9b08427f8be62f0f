"""The Betfair ANZ converter carries each selection's published name into runners.csv."""

from __future__ import annotations

import csv
from itertools import islice
from pathlib import Path

import pytest

from hrdpg.loader.betfair_anz import convert, market_id
from tests.paths import SHARED_DATA

DATA = SHARED_DATA / "betfair-anz"
FILES = sorted(DATA.glob("*.csv")) if DATA.is_dir() else []


@pytest.mark.skipif(not FILES, reason=f"real Betfair ANZ data not present at {DATA}")
def test_horse_names_are_the_selection_names(tmp_path: Path) -> None:
    head = list(islice(FILES[0].open(encoding="utf-8-sig"), 200))  # the header and 199 rows
    sample = tmp_path / "sample.csv"
    sample.write_text("".join(head), encoding="utf-8")
    published = {(market_id(r["WIN_MARKET_ID"]), r["SELECTION_ID"].strip()):
                 r["SELECTION_NAME"].strip() for r in csv.DictReader(head)}
    convert([sample], tmp_path)
    with (tmp_path / "runners.csv").open(encoding="utf-8") as fh:
        written = {(r["race_id"], r["horse_id"]): r["horse_name"] for r in csv.DictReader(fh)}
    assert written == published and all(written.values())
