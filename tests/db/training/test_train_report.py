"""`hrdpg train` stores its windows, blend and pseudo-R2 intervals; `models list/show` print
them, and the stored published log loss is what the artifact + blend give on the test rows."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import psycopg
import pytest
from hrdpg_pl import racenorm

from hrdpg.cli import main
from hrdpg.trainer.data import read_window
from hrdpg.trainer.onnx_export import run_onnx
from tests.conftest import ServerHandle, create_database, drop_database

START = dt.date(2019, 1, 1)  # the fixture world's first day; it runs 150 days
TRAIN_TO, TEST_FROM, TEST_TO = (START + dt.timedelta(days=d) for d in (109, 110, 149))


@pytest.fixture(scope="module")
def trained(server: ServerHandle, synth_template: str) -> Iterator[tuple[str, str]]:
    """(conninfo, stdout of `hrdpg train`) with one registered model."""
    name = create_database(server, synth_template)
    conninfo = server.settings_for(name).conninfo()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            assert main(["--dsn", conninfo, "train", "--train-from", str(START),
                         "--train-to", str(TRAIN_TO), "--test-from", str(TEST_FROM),
                         "--test-to", str(TEST_TO), "--name", "win", "--seed", "3",
                         "--max-rounds", "60"]) == 0
        yield conninfo, out.getvalue()
    finally:
        drop_database(server, name)


def stored(conninfo: str) -> tuple[dict[str, Any], dict[str, Any], bytes, list[str]]:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT metrics, params, artifact, feature_names "
                           "FROM modeling.models").fetchone()
    assert row is not None
    return row[0], row[1], bytes(row[2]), list(row[3])


def model_id(conninfo: str) -> int:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT model_id FROM modeling.models").fetchone()
    assert row is not None
    return int(row[0])


def test_windows_are_stored_disjoint_and_in_time_order(trained: tuple[str, str]) -> None:
    m, params, _, _ = stored(trained[0])
    w = m["windows"]
    assert w["fit"]["to"] < w["stop"]["from"] <= w["stop"]["to"] < w["calibrate"]["from"]
    assert w["calibrate"]["to"] <= w["train"]["to"] < w["test"]["from"]
    assert sum(w[k]["races"] for k in ("fit", "stop", "calibrate")) == w["train"]["races"]
    assert params["split"] == {"stop_share": 0.15, "calibration_share": 0.2,
                               "calibrate_from": None}


def test_blend_and_intervals_are_stored(trained: tuple[str, str]) -> None:
    m, params, _, _ = stored(trained[0])
    b = params["blend"]
    assert b["alpha"] >= 0 and len(b["halves"]) == 2 and "unconstrained" in b
    assert b["fit_races"] <= m["windows"]["calibrate"]["races"]
    boot = m["test"]["pseudo_r2_bootstrap"]["priced_races"]
    for key in ("model", "market", "blend", "blend_minus_market"):
        assert boot[key]["lo"] < boot[key]["pseudo_r2"] < boot[key]["hi"]
    # the bootstrap's point estimate is the scores' pseudo-R2 (computed apart in metrics.score)
    assert boot["blend"]["pseudo_r2"] == pytest.approx(
        m["test"]["blend_on_priced"]["pseudo_r2"], abs=1e-12)


def test_published_log_loss_is_the_blend_of_the_artifact(trained: tuple[str, str]) -> None:
    m, params, artifact, names = stored(trained[0])
    with psycopg.connect(trained[0]) as conn:
        w = read_window(conn, names, TEST_FROM, TEST_TO)
    p = racenorm.group_softmax(run_onnx(artifact, w.x), w.race_id)
    a, b = params["blend"]["alpha"], params["blend"]["beta"]
    losses = []
    for rid in np.unique(w.race_id):  # race by race: blend only a fully priced race
        rows = w.race_id == rid
        pi, f = w.market[rows], p[rows]
        if np.all(np.isfinite(pi) & (pi > 0)):
            f = np.exp(a * np.log(f) + b * np.log(pi))
            f = f / f.sum()
        if w.won[rows].any():
            losses.append(-np.mean(np.log(f[w.won[rows] == 1])))
    assert m["test"]["published"]["source"] == "blend"
    assert m["test"]["published"]["log_loss"] == pytest.approx(np.mean(losses), abs=1e-9)


def test_train_prints_windows_blend_and_intervals(trained: tuple[str, str]) -> None:
    m, params, _, _ = stored(trained[0])
    out = trained[1]
    assert f"alpha {params['blend']['alpha']:.4f}" in out
    assert "stability refits" in out and "blend* - market*" in out
    assert f"{m['windows']['calibrate']['from']}" in out
    assert f"temperature {params['temperature']:.4f}" in out
    assert f"features: {len(params['features'])} used" in out


def test_models_list_shows_the_published_log_loss(
        trained: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    m, _, _, _ = stored(trained[0])
    assert main(["--dsn", trained[0], "models", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{m['test']['published']['log_loss']:.5f}" in out and "blend" in out
    assert f"{m['test']['model']['log_loss']:.5f}" not in out


def test_models_show_prints_blend_windows_and_intervals(
        trained: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    m, params, _, _ = stored(trained[0])
    assert main(["--dsn", trained[0], "models", "show", str(model_id(trained[0]))]) == 0
    out = capsys.readouterr().out
    interval = m["test"]["pseudo_r2_bootstrap"]["priced_races"]["blend_minus_market"]
    assert f"alpha {params['blend']['alpha']:.4f}" in out
    assert f"{interval['lo']:+.4f}" in out and f"{interval['hi']:+.4f}" in out
    assert m["windows"]["stop"]["from"] in out

