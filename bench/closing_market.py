"""The engine's published win probabilities against the closing market, for sources whose
only prices are known at the off (HKJC's final tote odds): such a market cannot be a model
input or a pre-off blend, but it is the benchmark a fundamental model is judged against.

Reads the alias's current model's latest publication per race from modeling.signals and
evaluates it with hrdpg.backtest.closing (the arithmetic `hrdpg backtest` stores): the last
price at or before the off with the overround removed, a blend cross-fitted on the two date
halves of the window, pseudo-R2 against 1/field with 95 % race-bootstrap intervals.

    python bench/closing_market.py --dsn DSN --from 2022-01-01 --to 2022-12-31
"""

from __future__ import annotations

import argparse
import datetime as dt

import psycopg

from hrdpg.backtest import closing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--from", dest="lo", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--to", dest="hi", type=dt.date.fromisoformat, required=True)
    ap.add_argument("--alias", default="production")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with psycopg.connect(a.dsn) as conn:
        row = conn.execute("SELECT model_id FROM modeling.model_aliases WHERE alias = %s",
                           (a.alias,)).fetchone()
        if row is None:
            raise SystemExit(f"alias {a.alias!r} points at no model")
        c = closing.read_closing(conn, a.lo, a.hi, a.alias, int(row[0]))
    for name, w in zip(("first", "second"), closing.cross_fit(c), strict=True):
        print(f"blend fitted on the {name} half ({w.races} races): alpha {w.alpha:.3f}, "
              f"beta {w.beta:.3f}")
    s = closing.summarise(c, a.seed)
    print(f"{s['races']} races with a closing price for every runner, {a.lo} .. {a.hi}")
    for name in (*closing.SOURCES, "model_minus_market", "blend_minus_market"):
        v = s[name]
        print(f"{name:>18}: pseudo-R2 {v['pseudo_r2']:+.4f}  95% [{v['lo']:+.4f}, {v['hi']:+.4f}]")


if __name__ == "__main__":
    main()
