"""Time synthetic-world generation (and optionally the COPY load).

    python bench/bench_synth.py [N_RUNNERS] [--dsn DSN] [--seed S]

With --dsn the racing tables must exist (sql/reference/racing_schema.sql) and are appended to;
use a race_id offset (--race-id-offset) to load next to an existing world.
"""

from __future__ import annotations

import argparse
import time

import psycopg

from hrdpg.synth import SynthConfig, generate
from hrdpg.synth.write import write_world


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n_runners", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--dsn")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--race-id-offset", type=int, default=1_000_000)
    args = ap.parse_args()
    rows: list[tuple[str, int, float]] = []
    t0 = time.perf_counter()
    world = generate(SynthConfig(seed=args.seed, n_runners=args.n_runners,
                                 race_id_offset=args.race_id_offset))
    rows.append(("generate (runners)", world.n_runners, time.perf_counter() - t0))
    if args.dsn:
        marks: dict[str, float] = {}
        start = time.perf_counter()

        def progress(table: str, done: int, total: int) -> None:
            marks[table] = time.perf_counter()

        with psycopg.connect(args.dsn) as conn:
            counts = write_world(conn, world, progress)
        end = time.perf_counter()
        prev = start
        for table, n in counts.items():
            rows.append((f"copy {table}", n, marks[table] - prev))
            prev = marks[table]
        rows.append(("rebuild keys + commit", 0, end - prev))
        rows.append(("load total", sum(counts.values()), end - start))
    print(f"{'stage':<24}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    for stage, n, sec in rows:
        rate = f"{n / sec:,.0f}" if n and sec > 0 else "-"
        print(f"{stage:<24}{n:>12,}{sec:>10.2f}{rate:>12}")
    print(f"odds rows: {world.n_odds:,}  races: {world.n_races:,}  "
          f"raw quadrature error: {world.quad_error:.1e}")


if __name__ == "__main__":
    main()
