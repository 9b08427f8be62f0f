"""A backtest model never serves live: the backtest alias is not a challenger of other runs."""

from __future__ import annotations

import psycopg

from tests.db.backtest.conftest import Backtested


def test_live_scoring_does_not_publish_the_backtest_alias(backtested: Backtested) -> None:
    with psycopg.connect(backtested.conninfo) as conn:
        row = conn.execute("SELECT model_id FROM modeling.model_aliases"
                           " WHERE alias = 'backtest'").fetchone()
        assert row is not None
        live = next(r.model_id for r in backtested.periods if r.model_id != row[0])
        conn.execute("SELECT modeling.promote_model(%s, 'production')", (live,))
        published = conn.execute("SELECT modeling.score_day('2019-04-10')").fetchone()
        conn.commit()
        aliases = conn.execute(
            "SELECT s.alias, s.model_id, count(*) FROM modeling.signals s"
            " WHERE s.run_id = (SELECT max(run_id) FROM modeling.runs WHERE kind = 'score_day')"
            " GROUP BY 1, 2").fetchall()
    assert published is not None and published[0] > 0
    assert aliases == [("production", live, published[0])]
