"""On a synthetic world big enough for the claim (about 96k runners, 2,200 out-of-time test
races), the calibrated race-normalised model is within 1.5% of the Bayes-optimal log loss and
its expected calibration error is under 0.01. The Bayes figures come from the generator's
true probabilities, computed here from synth.runner_truth independently of the trainer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import psycopg
import pytest

from hrdpg import features
from hrdpg.synth import SynthConfig, generate
from hrdpg.synth.write import write_world
from hrdpg.trainer.pipeline import TrainSpec, train
from tests.conftest import ServerHandle, create_database, drop_database

START = dt.date(2025, 1, 1)
DAYS = 300


@pytest.fixture(scope="module")
def big_world(server: ServerHandle, template_db: str) -> Iterator[str]:
    name = create_database(server, template_db)
    conninfo = server.settings_for(name).conninfo()
    try:
        world = generate(SynthConfig(seed=2025, start_date=START, n_days=DAYS,
                                     races_per_day=30))
        with psycopg.connect(conninfo) as conn:
            write_world(conn, world)
            conn.commit()
            features.refresh(conn, START, START + dt.timedelta(days=DAYS - 1), rebuild=True)
        yield conninfo
    finally:
        drop_database(server, name)


def bayes_log_loss(conn: psycopg.Connection, test_from: dt.date, test_to: dt.date) -> float:
    rows = conn.execute(
        """SELECT ra.race_id, t.true_p_win
             FROM synth.runner_truth t
             JOIN racing.runners ru USING (race_id, horse_id)
             JOIN racing.races ra USING (race_id)
            WHERE ra.race_date BETWEEN %s AND %s AND ru.finish_pos = 1""",
        (test_from, test_to)).fetchall()
    per_race: dict[int, list[float]] = {}
    for race_id, p in rows:
        per_race.setdefault(race_id, []).append(-np.log(p))
    return float(np.mean([np.mean(v) for v in per_race.values()]))


def test_model_is_near_bayes_optimal_and_calibrated(big_world: str) -> None:
    train_to = START + dt.timedelta(days=int((DAYS - 1) * 0.75))
    test_from, test_to = train_to + dt.timedelta(days=1), START + dt.timedelta(days=DAYS - 1)
    with psycopg.connect(big_world) as conn:
        result = train(conn, TrainSpec(name="bayes", train_from=START, train_to=train_to,
                                       test_from=test_from, test_to=test_to, register=False),
                       show=False)
        bayes = bayes_log_loss(conn, test_from, test_to)
    model = result.metrics["test"]["model"]
    ratio = model["log_loss"] / bayes
    print(f"model log loss {model['log_loss']:.5f}, Bayes {bayes:.5f}, ratio {ratio:.4f}, "
          f"ECE {model['ece']:.4f}, races {result.metrics['test']['races']}")
    assert result.metrics["test"]["races"] >= 2000
    assert ratio <= 1.015
    assert model["ece"] <= 0.01
