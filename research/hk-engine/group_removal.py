"""Importance of each feature group in the engine's own trainer, measured by removing it.

Trains the engine's fundamentals-only model on HK 2016-2021 with every catalogue group and once
per group without it (`hrdpg.trainer.pipeline.train`, nothing registered), scores 2022 with each
ONNX artifact through onnxruntime, and prints the calibration-slice log loss (the slice settings
are chosen on) and the 2022 pseudo-R2 of each, with a paired race-bootstrap interval of the
difference full - without. Usage, on a database where `hrdpg load hkjc` and
`hrdpg features rebuild` have run:

    HRDPG_DBNAME=hk .venv/bin/python research/hk-engine/group_removal.py [group ...]

No group: every group but core, one at a time. `a+b` removes groups a and b together (e.g.
`speed+draw+pairs+allowance`, everything rev 0016 added).
"""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
from hrdpg_pl import racenorm

from hrdpg.config import load_settings
from hrdpg.db import connect
from hrdpg.trainer import metrics
from hrdpg.trainer.condlogit import Races
from hrdpg.trainer.data import read_window
from hrdpg.trainer.onnx_export import run_onnx
from hrdpg.trainer.pipeline import TrainSpec, train

TRAIN = (dt.date(2016, 1, 1), dt.date(2021, 12, 31))
TEST = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))


def main(groups: list[str]) -> None:
    with connect(load_settings()) as conn:
        catalog = conn.execute("SELECT name, feature_group FROM modeling.feature_catalog "
                               "WHERE feature_group <> 'market' ORDER BY position").fetchall()
        groups = groups or sorted({g for _, g in catalog} - {"core"})
        variants = {"all": ()} | {f"without {g}": tuple(n for n, gg in catalog
                                                        if gg in g.split("+"))
                                  for g in groups}
        losses: dict[str, np.ndarray] = {}
        races = uniform = None
        for label, exclude in variants.items():
            spec = TrainSpec(name="removal", train_from=TRAIN[0], train_to=TRAIN[1],
                             test_from=TEST[0], test_to=TEST[1], with_market=False,
                             register=False, exclude=exclude)
            result = train(conn, spec, show=False)
            test = read_window(conn, list(result.params["features"]), *TEST)
            p = racenorm.group_softmax(run_onnx(result.artifact, test.x), test.race_id)
            races = Races.from_rows(test.race_id, test.won)
            keep = races.has_winner
            losses[label] = metrics.race_losses(races, p)[keep]
            uniform = metrics.uniform_race_losses(races)[keep]
            cal = result.metrics["calibration"]["log_loss"]
            print(f"{label:>16}: calibration-slice log loss {cal:.5f}, "
                  f"{len(result.params['features'])} features", flush=True)
        assert uniform is not None
        diffs = tuple(("all", k) for k in variants if k != "all")
        boot = metrics.bootstrap_pseudo_r2(losses, uniform, seed=1, diffs=diffs)
        print(f"2022, {boot['races']} races with a winner (1000 race resamples, seed 1)")
        for key in [*variants, *(f"{a}_minus_{b}" for a, b in diffs)]:
            v = boot[key]
            print(f"  {key:>30}: {v['pseudo_r2']:+.4f} [{v['lo']:+.4f}, {v['hi']:+.4f}]")


if __name__ == "__main__":
    main(sys.argv[1:])
