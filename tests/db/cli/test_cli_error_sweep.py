"""A bad invocation of any subcommand ends in one line on stderr, without a traceback, and a
non-zero exit: bad dates, missing files, unknown ids and names, values of the wrong type."""

from __future__ import annotations

from pathlib import Path

import pytest

from hrdpg.cli import main
from hrdpg.config import Settings

MISSING = "/nonexistent/hrdpg-sweep"
BAD = [
    ["score", "2019-13-01"],
    ["score", "2019-05-01", "--as-of", "yesterday"],
    ["score", "2019-05-01", "--alias", "nosuch"],
    ["score", "2019-05-01", "--top", "many"],
    ["models", "show", "999999"],
    ["models", "show", "one"],
    ["models", "promote", "999999"],
    ["models", "rollback", "--alias", "nosuch"],
    ["models", "export-file", "999999", f"{MISSING}/m.onnx"],
    ["load", "races", f"{MISSING}/races.csv"],
    ["load", "runners", f"{MISSING}/runners.csv"],
    ["load", "odds", f"{MISSING}/odds.csv"],
    ["load", "betfair-anz", f"{MISSING}/anz.csv"],
    ["load", "hkjc", MISSING],
    ["features", "refresh", "--from", "2019-02-30"],
    ["features", "rebuild", "--to", "soon"],
    ["synth", "--start-date", "01/01/2024"],
    ["train", "--train-from", "2019-1-1"],
    ["train", "--max-rounds", "lots"],
    ["bets", "propose", "2019-05-01", "--profile", "nosuch"],
    ["bets", "propose", "May 1st"],
    ["bets", "settle", "2019-02-29"],
    ["bets", "pnl", "--from", "x"],
    ["bets", "resume", "nosuch"],
    ["alerts", "ack", "999999"],
    ["alerts", "ack", "first"],
    ["alerts", "list", "--limit", "ten"],
    ["report", "--date", "2019-00-01"],
    ["report", "--days", "-3"],
    ["schedule", "run-now", "--at", "noon"],
    ["schedule", "install"],
    ["schedule", "nosuch"],
    ["db", "downgrade", "nosuch"],
    ["db", "migrate", "--source-views", f"{MISSING}/views.sql"],
    ["demo", "--days", "a year"],
    ["nosuch"],
]


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's refusals exit
        return int(exc.code or 0)


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_invocation_is_one_line(argv: list[str], db: Settings, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["--dsn", db.conninfo(), *argv])
    err = capsys.readouterr().err
    assert code != 0, err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("hrdpg") and "error: " in err, err
