"""Daily totals with running sums, folded from modeling.run_history: one writer for every table.

Each table holds, per key and day, what the day added (counts and sums) and the running totals
up to and including it, so a feature reads "before day d" as one index probe of the key's last
row before d. refresh_history recomputes every table from a fold's first day on.

A fold continues each key's running sums from its last row before the fold: that row opens the
window as a row dated the day before, and is not inserted again, so a fold from any day adds up
in the same order as a rebuild, to the last bit. A day's float sums are taken in (race, horse)
order, because results arriving race by race store a day's runs in another physical order than
a rebuild. A rebuild has no earlier rows, so it skips the opening rows and feeds the day groups,
sorted once, straight into the running sums.

Keys are listed integers first: the one big sort of a rebuild compares them first, and a text
column compared on every tie cost 1.4x the sort on a million runs (docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A float measure is summed in this order within a day (see the module docstring).
DAY_ORDER = "race_id, horse_id"


@dataclass(frozen=True)
class Measure:
    """A per-day value and its running total ``cum_<column>``."""

    column: str
    day: str          # the aggregate over one key's runs of one day
    opening_cast: str  # the running total's type as a day value of the opening row


def count(column: str, what: str = "*") -> Measure:
    return Measure(column, f"count({what})::int", "int")


def int_sum(column: str, expr: str) -> Measure:
    return Measure(column, f"sum({expr})::int", "int")


def bigint_sum(column: str, expr: str) -> Measure:
    return Measure(column, f"sum({expr})::bigint", "bigint")


def float_sum(column: str, expr: str) -> Measure:
    return Measure(column, f"coalesce(sum({expr} ORDER BY {DAY_ORDER}), 0)", "float8")


@dataclass(frozen=True)
class Totals:
    """One table of daily totals: its key (column, expression over the source) and measures."""

    table: str
    keys: tuple[tuple[str, str], ...]
    measures: tuple[Measure, ...]
    where: str = "true"
    source: str = "modeling.run_history"

    def _days(self) -> str:
        keys = ", ".join(f"{expr} AS {col}" for col, expr in self.keys)
        days = ", ".join(f"{m.day} AS {m.column}" for m in self.measures)
        groups = ", ".join(str(i + 1) for i in range(len(self.keys) + 1))
        return (f"SELECT {keys}, race_date, {days} FROM {self.source} src "  # noqa: S608
                f"WHERE race_date >= $1 AND {self.where} GROUP BY {groups}")

    def _columns(self) -> str:
        return ", ".join([*(c for c, _ in self.keys), "race_date",
                          *(m.column for m in self.measures),
                          *(f"cum_{m.column}" for m in self.measures)])

    def _window(self) -> str:
        return (f"WINDOW w AS (PARTITION BY {', '.join(c for c, _ in self.keys)} "
                "ORDER BY race_date)")

    def rebuild_sql(self) -> str:
        """The insert of a rebuild: no rows before $1 exist, so nothing opens the sums."""
        cums = ", ".join(f"sum({m.column}) OVER w" for m in self.measures)
        keys = ", ".join(c for c, _ in self.keys)
        values = ", ".join(m.column for m in self.measures)
        return (f"INSERT INTO {self.table} ({self._columns()}) "  # noqa: S608 (constants)
                f"SELECT {keys}, race_date, {values}, {cums} FROM ({self._days()}) d "
                f"{self._window()}")

    def fold_sql(self) -> str:
        """The insert of a fold from $1: each key's sums go on from its last row before $1."""
        keys = [c for c, _ in self.keys]
        adds = ", ".join(f"d.{m.column} AS add_{m.column}" for m in self.measures)
        zeros = ", ".join("0" for _ in self.measures)
        opening = ", ".join(f"b.cum_{m.column}::{m.opening_cast}" for m in self.measures)
        probe_cols = ", ".join(f"e.cum_{m.column}" for m in self.measures)
        match = " AND ".join(f"e.{c} = k.{c}" for c in keys)
        cums = ", ".join(f"sum(r.add_{m.column}) OVER w AS cum_{m.column}"
                         for m in self.measures)
        return (
            f"INSERT INTO {self.table} ({self._columns()}) "  # noqa: S608 (constants)
            f"WITH days AS MATERIALIZED ({self._days()}) "
            f"SELECT {self._columns()} FROM ("
            f"SELECT r.*, {cums} FROM ("
            f"SELECT d.*, {adds}, false AS opening FROM days d "
            "UNION ALL "
            f"SELECT {', '.join('k.' + c for c in keys)}, $1 - 1, {zeros}, {opening}, true "
            f"FROM (SELECT DISTINCT {', '.join(keys)} FROM days) k "
            f"CROSS JOIN LATERAL (SELECT {probe_cols} FROM {self.table} e "
            f"WHERE {match} AND e.race_date < $1 ORDER BY e.race_date DESC LIMIT 1) b) r "
            f"{self._window()}) s WHERE NOT opening")


def outcomes(runs: str) -> tuple[Measure, ...]:
    """Runs (named ``runs``), wins and expected wins (a sum of 1 / field size) of a day."""
    return (count(runs), int_sum("wins", "won"),
            float_sum("expected", "1.0::float8 / field_size"))


RIDES, RUNS = outcomes("rides"), outcomes("runs")

# Winners' times in whole centiseconds (published to 0.01 s): their sums are exact. Each race
# counts under its rail and under every rail ('*').
_WINNERS = """(WITH winners AS (
    SELECT DISTINCT ON (race_id) course, coalesce(surface, '') AS surface, distance_m,
           coalesce(rail, '') AS rail, race_date, round(time_s * 100)::bigint AS cs
      FROM modeling.run_history
     WHERE race_date >= $1 AND won = 1 AND time_s IS NOT NULL AND distance_m IS NOT NULL
     ORDER BY race_id, time_s)
    SELECT course, surface, distance_m, rail, race_date, cs FROM winners
    UNION ALL
    SELECT course, surface, distance_m, '*', race_date, cs FROM winners)"""

TABLES: tuple[Totals, ...] = (
    Totals("modeling.entity_daily", (("kind", "'j'::\"char\""), ("entity_id", "jockey_id")),
           RIDES, "jockey_id IS NOT NULL"),
    Totals("modeling.entity_daily", (("kind", "'t'::\"char\""), ("entity_id", "trainer_id")),
           RIDES, "trainer_id IS NOT NULL"),
    Totals("modeling.draw_daily",
           (("dist_band", "dist_band"), ("draw_third", "draw_third"), ("course", "course")),
           RUNS, "draw_third IS NOT NULL"),
    Totals("modeling.draw_rail_daily",
           (("draw", "draw"), ("distance_m", "distance_m"), ("course", "course"),
            ("surface", "coalesce(surface, '')"), ("rail", "coalesce(rail, '')")),
           (*RUNS, count("pos_runs", "pos_norm"), float_sum("pos_sum", "pos_norm")),
           "draw IS NOT NULL AND distance_m IS NOT NULL"),
    Totals("modeling.pair_daily", (("jockey_id", "jockey_id"), ("trainer_id", "trainer_id")),
           RIDES, "jockey_id IS NOT NULL AND trainer_id IS NOT NULL"),
    # the pars of later days (sql/speed_figures.sql reads them through par_time_before)
    Totals("modeling.par_daily",
           (("distance_m", "distance_m"), ("course", "course"), ("surface", "surface"),
            ("rail", "rail")),
           (count("races"), bigint_sum("time_cs", "cs")), source=_WINNERS),
)


def refresh_running_totals(plpy: Any, from_date: str, rebuild: bool) -> None:
    """Recompute every table's rows from from_date on (a rebuild: the tables are empty)."""
    if not rebuild:
        for table in dict.fromkeys(t.table for t in TABLES):
            delete = f"DELETE FROM {table} WHERE race_date >= $1"  # noqa: S608 (constants)
            plpy.execute(plpy.prepare(delete, ["date"]), [from_date])
    for totals in TABLES:
        query = totals.rebuild_sql() if rebuild else totals.fold_sql()
        plpy.execute(plpy.prepare(query, ["date"]), [from_date])
