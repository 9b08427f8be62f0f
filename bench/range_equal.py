"""bench_score_range's equal-work external path: score_range's work in a client process.

What a user who did not want PL/Python would build from the same hrdpg_pl modules: per chunk,
the model's features of modeling.runner_features in binary (the scorer's own packed query, one
bytea), the same SQL for the races, the market as of each race's as_of, best odds, price
facts, risk caps (scoring_fetch, run through a small psycopg adapter with the plpy
interface), the same inference, race
softmax and blend, DQ gate, pricing and reasons (scoring_model), then dq_results by binary
COPY and the full signals rows by binary COPY into a temporary table and one INSERT ... ON
CONFLICT into modeling.signals (a client cannot skip the per-row foreign-key checks), and a
run row with progress, one COMMIT per chunk. Same inputs, same rows as CALL score_range.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import psycopg
from hrdpg_pl import copy_binary, model_cache, price_facts, scoring, scoring_bulk, scoring_fetch
from hrdpg_pl import scoring_publish as pub
from hrdpg_pl.scoring_dq import HISTORY_STAGES, PRICE_HISTORY_DAYS
from hrdpg_pl.scoring_model import score
from psycopg import sql
from range_measure import Chunk, PathResult, backend_cpu, cpu_sum

_PARAM = re.compile(r"\$(\d+)")


class ClientPlpy:
    """The part of PL/Python's plpy the hrdpg_pl fetch functions use, over psycopg (server-side
    parameters, binary results)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def prepare(self, query: str, types: list[str]) -> tuple[str, list[str]]:
        return query, types

    def execute(self, plan: Any, args: list[Any] | None = None) -> list[dict[str, Any]]:
        query, types = (plan, []) if isinstance(plan, str) else plan

        def placeholder(m: re.Match[str]) -> str:
            i = int(m.group(1))
            return f"%(p{i})s::{types[i - 1]}" if i <= len(types) else f"%(p{i})s"

        params = {f"p{i + 1}": v for i, v in enumerate(args or [])}
        text = _PARAM.sub(placeholder, query.replace("%", "%%")) if params else query
        cur = self.conn.cursor(binary=True)
        cur.execute(text.encode(), params or None)
        if cur.description is None:
            return []
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def quote_literal(self, value: str) -> str:
        return sql.Literal(value).as_string(self.conn)

    def error(self, message: str, **_: Any) -> None:
        raise RuntimeError(message)


def read_features(conn: psycopg.Connection, names: list[str], races: scoring_fetch.Races
                  ) -> scoring_fetch.FeatureRows:
    """The chunk's feature rows, in binary, from the scorer's own query prepared with the same
    parameter types: the server then makes the same custom-or-generic plan choices chunk after
    chunk as for the PL/Python plan, and the view's race-relative features (sums whose last
    bits depend on the row order) come out bit for bit the same."""
    got = conn.execute("SELECT modeling.scoring_feature_query(%s) AS q", (names,)).fetchone()
    assert got is not None
    query = (str(got[0]).replace("%", "%%").replace("$1", "%s::date").replace("$2", "%s::date")
             .replace("$3", "%s::int8[]").replace("$4", "%s::timestamptz[]"))
    row = conn.cursor(binary=True).execute(
        query.encode(), (min(races.race_date), max(races.race_date), races.race_id.tolist(),
                         races.as_of), prepare=True).fetchone()
    return scoring_fetch.decode_rows(row[1] if row else None, names)


STAGE_SQL = ("CREATE TEMP TABLE bench_signals (LIKE modeling.signals INCLUDING DEFAULTS) "
             "ON COMMIT DELETE ROWS")
UPSERT_SQL = sql.SQL(
    "INSERT INTO modeling.signals AS s ({cols}) SELECT {cols} FROM bench_signals "
    "ON CONFLICT ON CONSTRAINT signals_natural_key DO UPDATE SET {sets}, created_at = now()"
).format(cols=sql.SQL(", ").join(map(sql.Identifier, scoring_bulk.SIGNAL_COLUMNS)),
         sets=sql.SQL(", ").join(
             sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c))
             for c in scoring_bulk.SIGNAL_COLUMNS
             if c not in ("as_of", "race_id", "horse_id", "model_id")))


def copy_in(conn: psycopg.Connection, table: str, columns: tuple[str, ...],
            fields: list[copy_binary.Field]) -> None:
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
        sql.SQL(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with conn.cursor().copy(stmt) as cp:
        cp.write(copy_binary.encode(fields))


def score_chunk(conn: psycopg.Connection, plpy: ClientPlpy, run_id: int,
                model: model_cache.LoadedModel, lo: str, hi: str, stats: scoring.Stats) -> None:
    """scoring.score_dates for one model, with binary COPY out and in."""
    t0 = time.perf_counter()
    races = scoring_fetch.races(plpy, lo, hi, None)
    names = list(model.info.feature_names)
    blend = model.info.params.get("blend")
    if isinstance(blend, dict):
        names += [n for n in [blend.get("market_feature", "mkt_latest_prob")] if n not in names]
    rows = read_features(conn, names, races)
    best, terms = scoring_fetch.odds(plpy, races, rows)
    prices = price_facts.price_facts(plpy, races, PRICE_HISTORY_DAYS)
    attributes = scoring_fetch.attribute_features(plpy)
    lim = scoring.kelly_caps(plpy)
    stats.tick("fetch", time.perf_counter() - t0)
    stats.rows_in += int(rows.race_id.size)
    history = scoring_fetch.features_of_stages(plpy, list(HISTORY_STAGES))
    s = score(model, rows, races.race_id, races.handicap, races.country, terms, best, lim,
              0.5, prices, attributes, history_features=history)
    for k, v in s.timings.items():
        stats.tick(k, v)
    t0 = time.perf_counter()
    batch = pub.SignalBatch(races, run_id, model.info.feature_version)
    scoring.add_signals(batch, model.info, s, rows, best, lim)
    if s.gate.race_id:
        copy_in(conn, "modeling.dq_results", scoring_bulk.DQ_COLUMNS,
                scoring_bulk.dq_fields(run_id, [s.gate]))
    if len(batch):
        copy_in(conn, "bench_signals", scoring_bulk.SIGNAL_COLUMNS,
                scoring_bulk.signal_fields(batch))
        conn.execute(UPSERT_SQL)
    stats.rows_out += len(batch)
    stats.tick("upsert", time.perf_counter() - t0)


def run_equal_work(dsn: str, parts: list[Chunk]) -> PathResult:
    t0, c0 = time.perf_counter(), time.process_time()
    stats = scoring.Stats()
    with psycopg.connect(dsn) as conn:
        # The settings the scorer's queries run under (score_chunk's SET jit = off; SPI plans
        # are never parallel): the same plans, so the same floating-point sums.
        conn.execute("SET jit = off")
        conn.execute("SET max_parallel_workers_per_gather = 0")
        plpy = ClientPlpy(conn)
        model_cache.clear()
        info, _ = model_cache.resolve(plpy, "production", False)
        model, _ = model_cache.load(plpy, info)
        conn.execute(STAGE_SQL)
        run_id = pub.start_run(plpy, "score_range", None, info.model_id,
                               {"path": "bench equal-work external"}, "bench")
        conn.commit()
        for lo, hi in parts:
            score_chunk(conn, plpy, run_id, model, str(lo), str(hi), stats)
            conn.execute("UPDATE modeling.runs SET rows_out = %s, timings_ms = %s::jsonb "
                         "WHERE run_id = %s", (stats.rows_out, json.dumps(stats.timings),
                                               run_id))
            conn.commit()
        conn.execute("UPDATE modeling.runs SET status = 'ok', finished_at = clock_timestamp() "
                     "WHERE run_id = %s", (run_id,))
        conn.commit()
        cpu = cpu_sum(backend_cpu(conn), time.process_time() - c0)
    return PathResult(time.perf_counter() - t0, stats.rows_out, "",
                      {"timings_ms": {k: round(v) for k, v in stats.timings.items()}}, cpu)
