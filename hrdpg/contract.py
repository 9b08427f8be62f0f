"""The source-view contract: columns and types the engine reads (docs/data-contract.md)."""

from __future__ import annotations

import psycopg
from psycopg import sql

SOURCE_CONTRACT: dict[str, dict[str, str]] = {
    "src_races": {
        "race_id": "bigint", "race_date": "date", "off_time": "timestamp with time zone",
        "course": "text", "country": "text", "surface": "text", "going": "text",
        "distance_m": "integer", "race_class": "smallint", "race_type": "text",
        "handicap": "boolean", "prize": "numeric", "declared_runners": "smallint",
    },
    "src_runners": {
        "race_id": "bigint", "horse_id": "bigint", "jockey_id": "bigint",
        "trainer_id": "bigint", "draw": "smallint", "age": "smallint", "sex": "text",
        "weight_kg": "numeric", "official_rating": "smallint", "speed_figure": "real",
        "non_runner": "boolean", "withdrawn_at": "timestamp with time zone",
        "rule4_deduction": "numeric", "finish_pos": "smallint", "dead_heat": "boolean",
        "beaten_lengths": "real", "status": "text", "sp_decimal": "numeric",
    },
    "src_odds": {
        "race_id": "bigint", "horse_id": "bigint", "observed_at": "timestamp with time zone",
        "source": "text", "source_kind": "text", "decimal_odds": "double precision",
        "ew_places": "smallint", "ew_fraction": "numeric", "volume": "double precision",
    },
}

# Optional data some sources publish. A source-views file may leave a view out (migrate then
# installs an empty one, empty_view_sql); one it defines must have every column, NULL-cast
# where the source lacks it.
OPTIONAL_VIEWS: dict[str, dict[str, str]] = {
    "src_race_details": {
        "race_id": "bigint", "race_name": "text", "rail": "text",
        "rating_band_low": "smallint", "rating_band_high": "smallint",
    },
    "src_runner_details": {
        "race_id": "bigint", "horse_id": "bigint", "body_weight_kg": "numeric",
        "gear": "text", "gear_first_time": "boolean", "finish_time_s": "real",
        "running_positions": "smallint[]", "sectional_times": "real[]",
    },
    "src_runner_names": {
        "race_id": "bigint", "horse_id": "bigint", "horse_name": "text",
        "jockey_name": "text", "trainer_name": "text",
    },
}
# What each optional column feeds, for doctor's "absent" notes (features by catalogue name).
OPTIONAL_FEEDS: dict[str, str] = {
    "race_name": "race names in the report",
    "rail": "draw_rail_ae, draw_rail_pos and the speed figures' pars by rail (without it: "
            "one rail)",
    "rating_band_low": "rating_band_pos", "rating_band_high": "rating_band_pos",
    "body_weight_kg": "h_body_weight_change and body_weight_rel",
    "gear": "nothing yet (gear_first_time carries the first-time flag)",
    "gear_first_time": "gear_first_time",
    "finish_time_s": "h_fig_last, h_fig_best3 and fig_best3_rel (speed figures)",
    "running_positions": "h_early_pos_avg5, pace_early_rel and pace_front_rivals",
    "sectional_times": "h_finish_rel_avg3 and pace_finish_rank",
    "horse_name": "horse names in CLI tables and the report",
    "jockey_name": "jockey names for people", "trainer_name": "trainer names for people",
}
EMPTY_DEFAULT = "Empty default of an optional source view"
SAMPLE_ROWS = 50_000  # doctor looks for values in this many rows of each optional view


def empty_view_sql(view: str) -> sql.Composed:
    """CREATE VIEW of an optional view with its contract's columns and no rows."""
    columns = sql.SQL(", ").join(
        sql.SQL("NULL::{} AS {}").format(sql.SQL(kind), sql.Identifier(name))
        for name, kind in OPTIONAL_VIEWS[view].items())
    return sql.SQL("CREATE VIEW {view} AS SELECT {cols} WHERE false; "
                   "COMMENT ON VIEW {view} IS {comment}").format(
        view=sql.Identifier("modeling", view), cols=columns,
        comment=sql.Literal(f"{EMPTY_DEFAULT} (the source views file does not define it); "
                            "installed by hrdpg db migrate."))


def install_missing_optional_views(conn: psycopg.Connection) -> list[str]:
    """Install an empty default for each optional view the source views did not define."""
    missing = [v for v in OPTIONAL_VIEWS if _columns(conn, v) == {}]
    for view in missing:
        conn.execute(empty_view_sql(view))
    return missing


def _columns(conn: psycopg.Connection, view: str) -> dict[str, str]:
    rows = conn.execute(
        """SELECT a.attname, format_type(a.atttypid, NULL)
             FROM pg_attribute a
            WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped""",
        (f"modeling.{view}",),
    ).fetchall()
    return dict(rows)


def _shape_problems(view: str, columns: dict[str, str], found: dict[str, str]) -> list[str]:
    problems = []
    for column, wanted in columns.items():
        if column not in found:
            problems.append(f"modeling.{view}.{column} is missing (want {wanted})")
        elif found[column] != wanted:
            problems.append(
                f"modeling.{view}.{column} is {found[column]}, want {wanted} (cast it)"
            )
    return problems


def check_source_views(conn: psycopg.Connection) -> list[str]:
    """Problems with the modeling.src_* views, as sentences; empty when the contract holds."""
    problems: list[str] = []
    for view, columns in (SOURCE_CONTRACT | OPTIONAL_VIEWS).items():
        found = _columns(conn, view)
        if not found:
            problems.append(f"modeling.{view} is missing (run `hrdpg db migrate`)")
            continue
        problems += _shape_problems(view, columns, found)
    return problems


def absent_optional_data(conn: psycopg.Connection) -> list[str]:
    """Notes on the optional data that is absent (an empty default view, or a column without
    values in the first SAMPLE_ROWS rows) and what it would feed; views of the wrong shape are
    left to check_source_views."""
    notes: list[str] = []
    for view, columns in OPTIONAL_VIEWS.items():
        if _shape_problems(view, columns, _columns(conn, view)):
            continue
        data = [c for c in columns if c in OPTIONAL_FEEDS]
        comment = conn.execute("SELECT obj_description(to_regclass(%s), 'pg_class')",
                               (f"modeling.{view}",)).fetchone()
        if comment and str(comment[0]).startswith(EMPTY_DEFAULT):
            notes.append(f"optional modeling.{view} is not provided by the source views "
                         f"(empty default): no {', '.join(data)}; it would feed "
                         f"{_feeds(data)}")
            continue
        counts = conn.execute(sql.SQL("SELECT {} FROM (SELECT * FROM {} LIMIT {}) s").format(
            sql.SQL(", ").join(sql.SQL("count({})").format(sql.Identifier(c)) for c in data),
            sql.Identifier("modeling", view), sql.Literal(SAMPLE_ROWS))).fetchone()
        empty = [c for c, n in zip(data, counts or (), strict=True) if n == 0]
        if empty:
            notes.append(f"optional data absent from modeling.{view} (no values in its first "
                         f"{SAMPLE_ROWS} rows): {', '.join(empty)}; it would feed "
                         f"{_feeds(empty)}")
    return notes


def _feeds(columns: list[str]) -> str:
    return "; ".join(dict.fromkeys(OPTIONAL_FEEDS[c] for c in columns))


# A race's quotes in time order, as the price facts' first and newest price read them. With an
# index ordering a race's quotes by observed_at the plan needs no sort; without one it reads and
# sorts every quote of the race. Sorts and the other scans are penalised so the plan shows
# whether such an index exists, not what a tiny table would prefer.
ODDS_PROBE = ("EXPLAIN (FORMAT JSON) SELECT o.observed_at FROM modeling.src_odds o "
              "WHERE o.race_id = 0 ORDER BY o.observed_at LIMIT 1")


def _plan_nodes(node: dict[str, object]) -> list[str]:
    children = node.get("Plans")
    kids = children if isinstance(children, list) else []
    return [str(node.get("Node Type")), *(n for c in kids for n in _plan_nodes(c))]


def odds_index_warning(conn: psycopg.Connection) -> str | None:
    """A warning when no index serves a race's first price through modeling.src_odds."""
    conn.commit()
    try:
        conn.execute("SET LOCAL enable_seqscan = off")
        conn.execute("SET LOCAL enable_bitmapscan = off")
        conn.execute("SET LOCAL enable_sort = off")
        conn.execute("SET LOCAL enable_incremental_sort = off")
        row = conn.execute(ODDS_PROBE).fetchone()
    finally:
        conn.rollback()  # the settings go with the transaction
    if row and not {"Sort", "Incremental Sort"} & set(_plan_nodes(row[0][0]["Plan"])):
        return None
    return ("modeling.src_odds: no index orders a race's quotes by observed_at, so scoring's "
            "price facts read every quote of each race (about 3x the time on a day). Next: on "
            "the odds table, CREATE INDEX ON <odds table> (race_id, observed_at) INCLUDE "
            "(decimal_odds) (docs/data-contract.md).")
