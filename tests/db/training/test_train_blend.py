"""With a noisy market, the Benter blend of model and market beats the market alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest

from hrdpg.trainer.pipeline import TrainSpec, train
from tests.conftest import ServerHandle, create_database, drop_database

D = dt.date(2019, 1, 1)


@pytest.fixture(scope="module")
def noisy_world(server: ServerHandle, template_db: str) -> Iterator[str]:
    from hrdpg.synth.config import SynthConfig
    from hrdpg.synth.world import generate
    from hrdpg.synth.write import write_world

    name = create_database(server, template_db)
    conninfo = server.settings_for(name).conninfo()
    # A market clearly noisier than the model is informative. At 3.0 the blend's edge over the
    # market was 0.002-0.004 of log loss, within what the view's plan-dependent race sums once
    # moved the model by (tests/db/features/test_features_race_order.py); at 6.0 it is 0.048.
    world = generate(SynthConfig(seed=11, n_days=120, races_per_day=16, market_noise=6.0))
    with psycopg.connect(conninfo) as conn:
        write_world(conn, world)
        conn.commit()
    try:
        yield conninfo
    finally:
        drop_database(server, name)

FAST_TREES = {"learning_rate": 0.05, "num_leaves": 15, "lambda_l2": 10.0,
              "feature_fraction": 0.9}


def test_blend_beats_noisy_market(noisy_world: str) -> None:
    with psycopg.connect(noisy_world) as conn:
        result = train(conn, TrainSpec(
            name="core", train_from=D, train_to=D + dt.timedelta(days=84),
            test_from=D + dt.timedelta(days=85), test_to=D + dt.timedelta(days=119),
            with_market=False, seed=5, register=False,
            # The blend's behaviour is what is tested, on 0.1.0's trees without the refit: with
            # the default slow trees and the refit the blend's edge over this small world's
            # market is within noise (test log loss 1.7715 against 1.7677)
            lgb_overrides=FAST_TREES, refit=False), show=False)
    test = result.metrics["test"]
    blend, market = test["blend_on_priced"], test["market_on_priced"]
    b = result.params["blend"]
    assert b["alpha"] > 0 and b["beta"] > 0  # both sources carry information
    assert blend["log_loss"] < market["log_loss"]
    assert blend["log_loss"] < test["model_on_priced"]["log_loss"]
    assert blend["pseudo_r2"] > market["pseudo_r2"]
