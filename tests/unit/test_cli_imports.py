"""Commands that do not train must not import LightGBM (it needs libgomp, which the database
image's CLI may lack, and costs seconds) nor ONNX, SciPy, Alembic, matplotlib (the report's
charts) or MLflow they do not use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("lightgbm", "onnx", "sklearn", "scipy", "alembic", "matplotlib", "mlflow")

# Runs the real CLI (argv[2:]) in a fresh interpreter, then reports which of the packages named
# in argv[1] it imported.
PROBE = """
import json, sys
from hrdpg.cli import main
heavy = sys.argv[1].split(",")
try:
    code = main(sys.argv[2:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.modules if m in heavy)}))
"""


def run_cli(tmp_path: Path, *argv: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(HEAVY), *argv], capture_output=True, text=True,
        check=True, env={"HRDPG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=120)
    result: dict[str, object] = json.loads(out.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("argv", [
    ["--help"], ["db", "status"], ["db", "server-env", "--help"], ["score", "--help"],
    ["bets", "--help"], ["models", "--help"], ["schedule", "--help"], ["train", "--help"],
    ["report", "--help"], ["models", "promote", "--help"],
])
def test_command_imports_no_heavy_package(tmp_path: Path, argv: list[str]) -> None:
    result = run_cli(tmp_path, *argv)
    assert result["loaded"] == []
    # db status on an empty HRDPG_HOME: "not initialised" (3); help exits 0.
    assert result["code"] == (3 if argv == ["db", "status"] else 0)


def test_train_help_lists_its_options(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "hrdpg", "train", "--help"], capture_output=True,
                         text=True, check=True, env={"HRDPG_HOME": str(tmp_path)}).stdout
    assert "--train-from" in out and "--promote" in out


def test_the_probe_sees_lightgbm_when_a_command_trains(tmp_path: Path) -> None:
    # The handler imports the trainer, then cannot connect: the probe must report LightGBM.
    result = run_cli(tmp_path, "--dsn", f"host={tmp_path} port=1 connect_timeout=1", "train",
                     "--train-from", "2024-01-01", "--train-to", "2024-02-01",
                     "--test-from", "2024-02-02", "--test-to", "2024-03-01", "--name", "probe")
    assert result["code"] == 1
    assert "lightgbm" in result["loaded"] and "onnx" in result["loaded"]  # type: ignore[operator]
