"""Scoring one race day: in-database score_day vs external paths, on the same model and rows.

    python bench/bench_score.py --dsn DSN [--generate] [--days 60] [--races-per-day 72]
                                [--day YYYY-MM-DD] [--reps 7]

The database must be migrated. --generate loads a synthetic world first (empty racing tables);
if the production alias is unset a small model is trained and promoted. Paths, each the median
of --reps runs (score_day calls are rolled back so every rep does the same work):
  (i)   onnxruntime + race softmax on a numpy matrix already in memory (inference alone)
  (ii)  SELECT modeling.score_day(...) in a warm backend (features refresh, fetch, ONNX, DQ,
        pricing, explain, upsert, run row)
  (iii) external best case: refresh_features, binary COPY out, onnxruntime + softmax, binary
        COPY into a temp table, one INSERT ... ON CONFLICT (probabilities and fair odds only)
  (iv)  external naive: the same rows, one INSERT ... ON CONFLICT per row
  (v)   score_day on a cold backend (new connection: imports, session load)
  (vi)  reprice_day warm: the scheduler's refresh, re-pricing a scored day with later odds
        (no features refresh, no inference, no explanations)
  (vii) reprice_day on a cold backend (what pg_cron pays: every job is a new connection)
  (floor) the day's writes and feature read only, nothing computed (day_floor.py): the rows of
        a committed score_day written again, the store rows refreshed, the features read back
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

import numpy as np
import psycopg
from common import train_test_split
from day_floor import prepare_day_floor
from hrdpg_pl import racenorm
from hrdpg_pl.model_cache import make_session
from rich.console import Console
from rich.table import Table

from hrdpg.trainer.data import read_window
from hrdpg.trainer.pipeline import TrainSpec, train

# After every off of the synthetic worlds (they start in 2019 or 2020); score_day refuses an
# as_of in the future, which once stamped publications that masked every later one.
AS_OF = "2026-01-01 00:00+00"
# The external paths publish at their own instant, so their upserts never meet the rows a
# committed score_day left at AS_OF (whose p_place a p_win-only update would contradict).
EXTERNAL_AS_OF = "2025-12-31 23:00+00"
# A refresh re-prices the races not yet off: its committed base run is three hours before the
# day's first off, the refresh a minute before it (every race still to run).
FIRST_OFF_SQL = "SELECT min(off_time) FROM modeling.src_races WHERE race_date = %s"
EXTERNAL_UPSERT = """
INSERT INTO modeling.signals (as_of, race_id, horse_id, model_id, race_date, off_time, p_win,
                              fair_win_odds, feature_version, alias)
SELECT %s, t.race_id, t.horse_id, %s, r.race_date, r.off_time, t.p_win, 1 / t.p_win, %s,
       'bench'
  FROM bench_in t JOIN modeling.src_races r USING (race_id)
ON CONFLICT ON CONSTRAINT signals_natural_key DO UPDATE SET p_win = EXCLUDED.p_win,
   fair_win_odds = EXCLUDED.fair_win_odds
"""
ROW_UPSERT = """
INSERT INTO modeling.signals (as_of, race_id, horse_id, model_id, race_date, off_time, p_win,
                              fair_win_odds, feature_version, alias)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'bench')
ON CONFLICT ON CONSTRAINT signals_natural_key DO UPDATE SET p_win = EXCLUDED.p_win,
   fair_win_odds = EXCLUDED.fair_win_odds
"""


def median_ms(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def cold_ms(dsn: str, function: str, day: dt.date, as_of: object) -> float:
    """Median of 3 calls, each on a new connection (connect included), rolled back."""
    call = {"score_day": "SELECT modeling.score_day(%s, %s)",
            "reprice_day": "SELECT modeling.reprice_day(%s, %s)"}[function]
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        with psycopg.connect(dsn) as cold:
            cold.execute(call, (day, as_of))
            cold.rollback()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def ensure_model(conn: psycopg.Connection, market_inputs: bool = False) -> None:
    # A production model of the current feature version is reused; one trained on other
    # feature definitions cannot score (scoring refuses it), so a new one is trained.
    if conn.execute("SELECT 1 FROM modeling.model_aliases a JOIN modeling.models m USING "
                    "(model_id) WHERE a.alias = 'production' "
                    "AND m.feature_version = modeling.feature_version()").fetchone():
        return
    lo, cut, hi = train_test_split(conn)
    print(f"no production model of this feature version: training one on {lo} .. {cut} "
          "(a few minutes on 1M runners) ...", flush=True)
    train(conn, TrainSpec(name="bench", train_from=lo, train_to=cut,
                          test_from=cut + dt.timedelta(days=1), test_to=hi, seed=1,
                          max_rounds=300, with_market=market_inputs, promote="production"),
          show=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--generate", action="store_true")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--races-per-day", type=int, default=72)
    ap.add_argument("--day", type=dt.date.fromisoformat)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--market-inputs", action="store_true",
                    help="train the model on the market features too (a refresh then re-runs "
                         "inference); default: market only through the blend")
    args = ap.parse_args()
    with psycopg.connect(args.dsn) as conn:
        if args.generate:
            from hrdpg.synth.config import SynthConfig
            from hrdpg.synth.world import generate
            from hrdpg.synth.write import write_world

            write_world(conn, generate(SynthConfig(seed=5, n_days=args.days,
                                                   races_per_day=args.races_per_day)))
            conn.commit()
            conn.execute("ANALYZE")  # as autovacuum would before a user's first score_day
            conn.commit()
        ensure_model(conn, args.market_inputs)
        model = conn.execute(
            "SELECT m.model_id, m.artifact, m.feature_names, m.feature_version, m.params "
            "FROM modeling.model_aliases a JOIN modeling.models m USING (model_id) "
            "WHERE a.alias = 'production'").fetchone()
        assert model is not None
        model_id, artifact, names, fv, params = model
        day = args.day or conn.execute(
            "SELECT max(race_date) FROM modeling.src_races").fetchone()[0]  # type: ignore[index]
        conn.execute("SELECT modeling.refresh_features(%s, %s)", (day, day))
        w = read_window(conn, list(names), day, day)
        conn.commit()
        console = Console()
        console.print(f"day {day}: {w.n_rows} runners, {w.n_races} races, model {model_id} "
                      f"({len(names)} features)")
        sess = make_session(bytes(artifact))

        def raw() -> np.ndarray:
            ls = sess.run(["log_strength"], {"features": w.x})[0]
            return racenorm.group_softmax(ls, w.race_id)

        def in_db() -> None:
            conn.execute("SELECT modeling.score_day(%s, %s)", (day, AS_OF))
            conn.rollback()

        def external() -> None:
            conn.execute("SELECT modeling.refresh_features(%s, %s)", (day, day))
            x = read_window(conn, list(names), day, day)
            p = racenorm.group_softmax(sess.run(["log_strength"], {"features": x.x})[0],
                                       x.race_id)
            conn.execute("CREATE TEMP TABLE bench_in (race_id int8, horse_id int8, p_win float8)"
                         " ON COMMIT DROP")
            with conn.cursor().copy("COPY bench_in FROM STDIN (FORMAT binary)") as cp:
                cp.set_types(["int8", "int8", "float8"])
                for r, h, v in zip(x.race_id.tolist(), x.horse_id.tolist(), p.tolist(),
                                   strict=True):
                    cp.write_row((r, h, v))
            conn.execute(EXTERNAL_UPSERT, (EXTERNAL_AS_OF, model_id, fv))
            conn.rollback()

        off: dict[int, dt.datetime] = dict(conn.execute(
            "SELECT race_id, off_time FROM modeling.src_races WHERE race_date = %s",
            (day,)).fetchall())
        conn.rollback()

        def per_row() -> None:
            conn.execute("SELECT modeling.refresh_features(%s, %s)", (day, day))
            x = read_window(conn, list(names), day, day)
            p = racenorm.group_softmax(sess.run(["log_strength"], {"features": x.x})[0],
                                       x.race_id)
            for r, h, v in zip(x.race_id.tolist(), x.horse_id.tolist(), p.tolist(),
                               strict=True):
                conn.execute(ROW_UPSERT, (EXTERNAL_AS_OF, r, h, model_id, day, off[r], v, 1 / v,
                                          fv))
            conn.rollback()

        def refresh() -> None:
            conn.execute("SELECT modeling.reprice_day(%s, %s)", (day, refresh_at))
            conn.rollback()

        # Another model's publications of the day at the same instants (an earlier bench run's)
        # would make every re-price fall back to a full score: measure this model's alone.
        conn.execute("DELETE FROM modeling.signals WHERE race_date = %s AND model_id <> %s",
                     (day, model_id))
        conn.commit()
        first_off = conn.execute(FIRST_OFF_SQL, (day,)).fetchone()[0]  # type: ignore[index]
        refresh_at = first_off - dt.timedelta(minutes=1)
        conn.execute("SELECT modeling.score_day(%s, %s)",
                     (day, first_off - dt.timedelta(hours=3)))
        base_run = conn.execute("SELECT max(run_id) FROM modeling.runs WHERE kind = 'score_day'"
                                ).fetchone()[0]  # type: ignore[index]
        conn.commit()
        floor = prepare_day_floor(conn, day, base_run, AS_OF,
                                  lambda: read_window(conn, list(names), day, day))
        in_db()  # warm: imports, session, plans
        floor()
        refresh()
        results = {"(i) raw onnxruntime + softmax": median_ms(raw, args.reps * 5),
                   "(ii) score_day warm": median_ms(in_db, args.reps),
                   "(iii) external COPY out/in + 1 upsert": median_ms(external, args.reps),
                   "(iv) external INSERT per row": median_ms(per_row, max(2, args.reps // 2)),
                   "(vi) reprice_day warm (re-price)": median_ms(refresh, args.reps),
                   "(floor) the day's writes + feature read only": median_ms(floor, args.reps)}
        conn.execute("SELECT modeling.score_day(%s, %s)", (day, AS_OF))
        timings = conn.execute("SELECT timings_ms FROM modeling.runs WHERE kind = 'score_day' "
                               "ORDER BY run_id DESC LIMIT 1").fetchone()
        conn.execute("SELECT modeling.reprice_day(%s, %s)", (day, refresh_at))
        refresh_t = conn.execute("SELECT timings_ms FROM modeling.runs WHERE kind = "
                                 "'reprice_day' ORDER BY run_id DESC LIMIT 1").fetchone()
        conn.rollback()
        plan = conn.execute("EXPLAIN SELECT * FROM modeling.latest_signals WHERE race_date = %s",
                            (day,)).fetchall()
        conn.rollback()
    results["(v) score_day cold backend (connect incl.)"] = cold_ms(
        args.dsn, "score_day", day, AS_OF)
    results["(vii) reprice_day cold backend"] = cold_ms(args.dsn, "reprice_day", day,
                                                        refresh_at)

    base = results["(i) raw onnxruntime + softmax"]
    table = Table(title=f"bench_score: {w.n_rows} runners, median ms")
    for col in ("path", "ms", "x (i)", "x (ii)"):
        table.add_column(col, justify="left" if col == "path" else "right")
    warm = results["(ii) score_day warm"]
    for name, ms in results.items():
        table.add_row(name, f"{ms:.1f}", f"{ms / base:.1f}", f"{ms / warm:.2f}")
    console.print(table)
    console.print(f"score_day stage timings (ms): {timings[0] if timings else '?'}")
    console.print(f"reprice_day stage timings (ms): {refresh_t[0] if refresh_t else '?'}")
    console.print("latest_signals plan:\n" + "\n".join(r[0] for r in plan))


if __name__ == "__main__":
    main()
