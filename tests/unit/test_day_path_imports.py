"""A new backend's score_day and reprice_day do not import the backfill's COPY writer: every
pg_cron job is a new connection and pays each import (tempfile, pathlib, decimal: ~10 ms)."""

from __future__ import annotations

import json
import subprocess
import sys

BACKFILL_ONLY = ("hrdpg_pl.scoring_bulk", "hrdpg_pl.copy_binary", "tempfile", "decimal")
PROBE = """
import json, sys
import hrdpg_pl.reprice, hrdpg_pl.scoring
print(json.dumps(sorted(m for m in sys.modules if m in sys.argv[1].split(","))))
"""


def test_day_path_leaves_the_backfill_writer_unimported() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, ",".join(BACKFILL_ONLY)],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
