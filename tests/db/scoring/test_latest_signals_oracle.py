"""modeling.latest_signals against an oracle over the raw rows: per race the production rows of
its newest production as_of, whichever model; challengers never; filters by day or race give
the same rows as filtering the whole view."""

from __future__ import annotations

import psycopg

from hrdpg.config import Settings
from tests.conftest import ServerHandle
from tests.db.scoring.world import DAY, install, score, trained

VIEW = ("SELECT race_id, horse_id, as_of, model_id FROM modeling.latest_signals "
        "WHERE %s::date IS NULL OR race_date = %s::date ORDER BY 1, 2")


def test_view_matches_oracle(synth_db: Settings, synth_conn: psycopg.Connection,
                             server: ServerHandle, synth_template: str) -> None:
    install(synth_conn, trained(server, synth_template))
    install(synth_conn, trained(server, synth_template, with_market=False), alias="challenger",
            name="win_nomkt")
    for as_of in ("2020-01-01 00:00+00", "2020-01-02 00:00+00", "2020-01-03 00:00+00"):
        assert score(synth_conn, as_of=as_of) > 0
    # A later publication of one race only: that race moves on, the others stay.
    race = synth_conn.execute("SELECT min(race_id) FROM modeling.signals").fetchone()
    assert race is not None
    synth_conn.execute("UPDATE modeling.signals SET as_of = '2020-01-04 00:00+00' "
                       "WHERE race_id = %s AND as_of = '2020-01-03 00:00+00'", race)
    synth_conn.commit()

    rows = synth_conn.execute("SELECT race_id, horse_id, as_of, model_id, alias "
                              "FROM modeling.signals").fetchall()
    newest: dict[int, object] = {}
    for r, _, a, _, alias in rows:
        if alias == "production" and (r not in newest or a > newest[r]):  # type: ignore[operator]
            newest[r] = a
    oracle = sorted((r, h, a, m) for r, h, a, m, alias in rows
                    if alias == "production" and a == newest[r])
    assert len({a for *_, a, _ in oracle}) == 2  # the moved race and the rest

    whole = synth_conn.execute(VIEW, (None, None)).fetchall()
    by_day = synth_conn.execute(VIEW, (DAY, DAY)).fetchall()
    by_race = synth_conn.execute("SELECT race_id, horse_id, as_of, model_id "
                                 "FROM modeling.latest_signals WHERE race_id = %s "
                                 "ORDER BY 1, 2", race).fetchall()
    assert whole == by_day == oracle
    assert by_race == [o for o in oracle if o[0] == race[0]]
