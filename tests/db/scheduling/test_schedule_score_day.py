"""The scheduled morning run with the real modeling.score_day, then the 08:05 acceptance."""

from __future__ import annotations

import psycopg

from tests.conftest import ServerHandle
from tests.db.scheduling.stubs import local, tick
from tests.db.scoring.world import DAY, install, trained


def test_tick_runs_score_day_then_acceptance(server: ServerHandle, synth_template: str,
                                             synth_conn: psycopg.Connection) -> None:
    install(synth_conn, trained(server, synth_template))
    out = tick(synth_conn, local(DAY, "08:00"))
    morning = {d["job"]: d for d in out["decisions"]}["morning"]
    assert morning["decision"] == "ran", morning
    assert morning["result"]["published"] > 0
    assert morning["result"]["function"] == "modeling.score_day"
    run = synth_conn.execute(
        "SELECT status, race_date, races_published FROM modeling.runs "
        "WHERE kind = 'score_day' AND triggered_by = 'schedule:morning'").fetchall()
    assert len(run) == 1 and run[0][:2] == ("ok", DAY)
    as_of = synth_conn.execute("SELECT DISTINCT as_of FROM modeling.signals "
                               "WHERE race_date = %s", (DAY,)).fetchall()
    assert as_of == [(local(DAY, "08:00"),)]

    out = tick(synth_conn, local(DAY, "08:05"))
    acc = {d["job"]: d for d in out["decisions"]}["acceptance"]
    assert acc["decision"] == "ran"
    assert acc["result"]["share"] >= 0.8 and acc["result"]["passed"] is True
    assert synth_conn.execute("SELECT count(*) FROM modeling.alerts").fetchone() == (0,)

    # A refresh is the same score_day call at a later as_of (inference re-runs), publishing
    # only the races whose signals changed: those that got new odds since the last run.
    published = {}
    for hhmm in ("08:10", "09:40"):  # the courses' 08:30 London odds come in at 09:30 here
        out = tick(synth_conn, local(DAY, hhmm))
        refresh = {d["job"]: d for d in out["decisions"]}["refresh"]
        assert refresh["decision"] == "ran", refresh
        published[hhmm] = refresh["result"]["published"]
    rows = synth_conn.execute(
        "SELECT s.as_of, s.race_id, (SELECT count(*) FROM racing.odds o "
        "WHERE o.race_id = s.race_id AND o.observed_at > %s AND o.observed_at <= s.as_of) "
        "FROM modeling.signals s WHERE s.race_date = %s AND s.as_of > %s",
        (local(DAY, "08:10"), DAY, local(DAY, "08:00"))).fetchall()
    synth_conn.commit()
    assert published["08:10"] == 0  # no odds came in between 08:00 and 08:10
    assert 0 < published["09:40"] == len(rows) and all(new for *_, new in rows)
    print(f"morning {morning['result']['ms']} ms, refresh {refresh['result']['ms']} ms, "
          f"{morning['result']['published']} runners")
