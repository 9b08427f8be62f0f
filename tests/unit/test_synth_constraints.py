"""Generated rows satisfy the racing schema's CHECK constraints and timing rules."""

import numpy as np

from hrdpg.synth import SynthConfig, generate
from hrdpg.synth.config import STATUSES


def test_schema_ranges() -> None:
    w = generate(SynthConfig(seed=9, n_days=30))
    ra, ru, o = w.races, w.runners, w.odds
    assert np.unique(ra["race_id"]).size == ra["race_id"].size
    assert ((ra["distance_m"] >= 1000) & (ra["distance_m"] <= 4000)).all()
    assert ((ra["race_class"] >= 1) & (ra["race_class"] <= 7)).all()
    assert ((ra["declared_runners"] >= 5) & (ra["declared_runners"] <= 20)).all()
    assert (ra["prize"] >= 0).all() and set(ra["country"]) <= {"GB", "IE"}
    assert set(ra["surface"]) <= {"turf", "aw"}
    assert ((ra["going"] == "standard") == (ra["surface"] == "aw")).all()
    day = ra["race_date"].astype("datetime64[s]")
    assert ((ra["off_time"] > day) & (ra["off_time"] < day + np.timedelta64(1, "D"))).all()
    # runners
    key = ru["race_id"] * 10**8 + ru["horse_id"]
    assert np.unique(key).size == key.size
    n_decl = np.bincount(ru["race_id"] - ra["race_id"][0])
    assert (n_decl == ra["declared_runners"]).all()
    assert (ru["draw"] >= 1).all() and (ru["draw"] <= 20).all()
    assert ((ru["age"] >= 2) & (ru["age"] <= 12)).all()
    assert ((ru["weight_kg"] >= 50) & (ru["weight_kg"] <= 75)).all()
    rated = ru["official_rating"] >= 0
    assert (ru["official_rating"][rated] <= 200).all() and rated.mean() > 0.7
    nr = ru["non_runner"]
    assert 0.02 <= nr.mean() <= 0.04
    status = np.array(STATUSES)[ru["status"]]
    assert (status[nr] == "non_runner").all() and (status[~nr] != "non_runner").all()
    fin = ru["finish_pos"] > 0
    assert (status[fin] == "finished").all() and (fin == (status == "finished")).all()
    dnf = np.isin(status, ["pulled_up", "fell", "unseated"])
    assert 0.01 < dnf.mean() < 0.04
    assert (np.isnan(ru["beaten_lengths"]) == ~fin).all()
    assert (ru["beaten_lengths"][fin] >= 0).all()
    assert (ru["beaten_lengths"][ru["finish_pos"] == 1] == 0).all()
    r4 = ru["rule4_deduction"][~np.isnan(ru["rule4_deduction"])]
    assert ((r4 > 0) & (r4 <= 0.9)).all()
    wd = ~np.isnat(ru["withdrawn_at"])
    off = ra["off_time"][ru["race_id"] - ra["race_id"][0]]
    assert (wd <= nr).all() and (ru["withdrawn_at"][wd] < off[wd]).all()
    assert np.isnan(ru["sp_decimal"][nr]).all() and (ru["sp_decimal"][~nr] > 1).all()
    # odds
    assert ((o["decimal_odds"] > 1) & (o["decimal_odds"] < 10000)).all()
    o_off = ra["off_time"][o["race_id"] - ra["race_id"][0]]
    assert (o["observed_at"] < o_off).all()
    pk = np.stack([o["race_id"], o["horse_id"], o["source"], o["observed_at"].astype(np.int64)])
    assert np.unique(pk, axis=1).shape[1] == o["race_id"].size
    book = o["source"] < 2
    ew = o["ew_places"][book]
    assert ((ew == 0) | ((ew >= 2) & (ew <= 4))).all()
    assert (o["ew_places"][~book] == 0).all() and np.isnan(o["ew_fraction"][~book]).all()
    assert (o["volume"][~book] >= 0).all()
    # a withdrawn horse is priced only before it is withdrawn
    row = o["runner_row"]
    late = wd[row]
    assert (o["observed_at"][late] < ru["withdrawn_at"][row][late]).all()
    assert not (nr[row] & ~wd[row]).any()
