"""The source-view contract: columns and types the engine reads (docs/data-contract.md)."""

from __future__ import annotations

import psycopg

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


def check_source_views(conn: psycopg.Connection) -> list[str]:
    """Problems with the modeling.src_* views, as sentences; empty when the contract holds."""
    problems: list[str] = []
    for view, columns in SOURCE_CONTRACT.items():
        rows = conn.execute(
            """SELECT a.attname, format_type(a.atttypid, NULL)
                 FROM pg_attribute a
                WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped""",
            (f"modeling.{view}",),
        ).fetchall()
        if not rows:
            problems.append(f"modeling.{view} is missing (run `hrdpg db migrate`)")
            continue
        found: dict[str, str] = dict(rows)
        for column, wanted in columns.items():
            if column not in found:
                problems.append(f"modeling.{view}.{column} is missing (want {wanted})")
            elif found[column] != wanted:
                problems.append(
                    f"modeling.{view}.{column} is {found[column]}, want {wanted} (cast it)"
                )
    return problems
