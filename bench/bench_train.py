"""Time train + calibrate + export + register on a synthetic world of N runners.

    python bench/bench_train.py [N_RUNNERS] --dsn DSN [--generate] [--seed S] [--no-register]

The database must be migrated (`hrdpg db migrate`). With --generate a world of N runners is
generated and loaded first (the racing tables should be empty). The last 20 % of days are the
test window. Prints stage times and the quality figures (ratio to the Bayes limit, ECE, pseudo-R2
of market / model / blend, parity).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import psycopg
from common import train_test_split
from rich.console import Console
from rich.table import Table

from hrdpg.trainer.pipeline import TrainSpec, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n_runners", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--generate", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--market-noise", type=float, default=1.0)
    ap.add_argument("--no-market", action="store_true")
    ap.add_argument("--no-register", action="store_true")
    args = ap.parse_args()
    stages: list[tuple[str, float]] = []
    with psycopg.connect(args.dsn) as conn:
        if args.generate:
            from hrdpg.synth import SynthConfig, generate
            from hrdpg.synth.write import write_world

            t0 = time.perf_counter()
            world = generate(SynthConfig(seed=args.seed, n_runners=args.n_runners,
                                         market_noise=args.market_noise))
            stages.append(("generate world", time.perf_counter() - t0))
            t0 = time.perf_counter()
            write_world(conn, world)
            conn.commit()
            stages.append(("load world", time.perf_counter() - t0))
        lo, cut, hi = train_test_split(conn)
        t0 = time.perf_counter()
        result = train(conn, TrainSpec(
            name="bench", train_from=lo, train_to=cut, test_from=cut + dt.timedelta(days=1),
            test_to=hi, with_market=not args.no_market, seed=args.seed,
            register=not args.no_register))
        total = time.perf_counter() - t0
    table = Table(title=f"bench_train: {args.n_runners:,} runners requested")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for name, secs in [*stages, *result.timings.items(), ("train total", total)]:
        table.add_row(name, f"{secs:.1f}")
    console = Console()
    console.print(table)
    m = result.metrics
    test = m["test"]
    console.print(f"train rows {m['train']['rows']:,}, test rows {test['rows']:,} "
                  f"({test['races']:,} races), best iteration {m['best_iteration']}")
    for key in ("model", "market_on_priced", "model_on_priced", "blend_on_priced"):
        if key in test:
            s = test[key]
            console.print(f"{key:18s} log loss {s['log_loss']:.5f}  pseudo-R2 "
                          f"{s['pseudo_r2']:.4f}  ECE {s['ece']:.4f}")
    if m.get("bayes"):
        b = m["bayes"]
        console.print(f"Bayes log loss {b['bayes_log_loss']:.5f} (ECE {b['bayes_ece']:.4f}); "
                      f"model / Bayes = {b['ratio']:.4f}")
    console.print(f"parity max |diff| {result.parity_max_diff:.2e}; blend "
                  f"{result.params['blend']}")


if __name__ == "__main__":
    main()
