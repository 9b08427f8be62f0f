"""What each loadable table accepts: columns, parse family, required-ness, defaults and the
CHECK ranges of sql/reference/racing_schema.sql, mirrored so they are tested before insert."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["int", "num", "real", "double", "bool", "date", "ts", "text", "int_array",
               "real_array"]

# Bounds of the integer types, so an over-long number is a reject, not a cast error.
INT_BOUNDS = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    kind: Kind
    required: bool = False
    default: str | None = None  # SQL literal for NOT NULL DEFAULT columns (NULL -> default)
    # schema CHECK as a predicate over {v}, the value as numeric, numeric[] or text
    check: str | None = None
    reason: str = "out_of_range"  # reason code when ``check`` fails


@dataclass(frozen=True)
class RowCheck:
    """A check across columns of one row; ``sql`` is over typed values {name}, true = ok."""

    reason: str
    sql: str
    needs: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    row_checks: tuple[RowCheck, ...] = ()
    duplicate_reason: str = "duplicate_key"
    parent: Literal["none", "race", "runner"] = "none"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _in(*values: str) -> str:
    return "{v} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


RACES = TableSpec(
    name="races",
    key=("race_id",),
    columns=(
        Column("race_id", "bigint", "int", required=True),
        Column("race_date", "date", "date", required=True),
        Column("off_time", "timestamptz", "ts", required=True),
        Column("course", "text", "text", required=True),
        Column("country", "text", "text", required=True),
        Column("surface", "text", "text", default="'turf'",
               check=_in("turf", "aw", "dirt", "jumps")),
        Column("going", "text", "text"),
        Column("distance_m", "integer", "int", required=True, check="{v} BETWEEN 400 AND 8000"),
        Column("race_class", "smallint", "int", check="{v} BETWEEN 1 AND 7"),
        Column("race_type", "text", "text"),
        Column("handicap", "boolean", "bool", default="false"),
        # numeric(12, 2): also keep below 1e10 so the value fits the column.
        Column("prize", "numeric(12, 2)", "num", check="{v} >= 0 AND {v} < 1e10"),
        Column("declared_runners", "smallint", "int", check="{v} BETWEEN 1 AND 40"),
        # optional details (modeling.src_race_details)
        Column("race_name", "text", "text"),
        Column("rail", "text", "text"),
        Column("rating_band_low", "smallint", "int", check="{v} BETWEEN 0 AND 200"),
        Column("rating_band_high", "smallint", "int", check="{v} BETWEEN 0 AND 200"),
    ),
    row_checks=(
        RowCheck("off_time_not_on_race_date",
                 "{off_time} > {race_date}::timestamp AT TIME ZONE 'UTC' - interval '1 day' "
                 "AND {off_time} < {race_date}::timestamp AT TIME ZONE 'UTC' + interval '2 days'",
                 ("off_time", "race_date")),
    ),
)

RUNNERS = TableSpec(
    name="runners",
    key=("race_id", "horse_id"),
    duplicate_reason="duplicate_runner",
    parent="race",
    columns=(
        Column("race_id", "bigint", "int", required=True),
        Column("horse_id", "bigint", "int", required=True),
        Column("jockey_id", "bigint", "int"),
        Column("trainer_id", "bigint", "int"),
        Column("draw", "smallint", "int", check="{v} >= 1", reason="bad_draw"),
        Column("age", "smallint", "int", check="{v} BETWEEN 1 AND 25"),
        Column("sex", "text", "text", check=_in("c", "f", "g", "h", "m", "r")),
        Column("weight_kg", "numeric(5, 2)", "num", check="{v} BETWEEN 30 AND 100"),
        Column("official_rating", "smallint", "int", check="{v} BETWEEN 0 AND 200"),
        Column("speed_figure", "real", "real"),
        Column("non_runner", "boolean", "bool", default="false"),
        Column("withdrawn_at", "timestamptz", "ts"),
        Column("rule4_deduction", "numeric(4, 2)", "num", check="{v} BETWEEN 0 AND 0.9"),
        Column("finish_pos", "smallint", "int", check="{v} >= 1"),
        Column("dead_heat", "boolean", "bool", default="false"),
        Column("beaten_lengths", "real", "real", check="{v} >= 0"),
        Column("status", "text", "text",
               check=_in("finished", "pulled_up", "fell", "unseated", "refused",
                         "brought_down", "disqualified", "non_runner")),
        Column("sp_decimal", "numeric(9, 3)", "num", check="{v} > 1 AND {v} < 1e6",
               reason="odds_out_of_range"),
        # optional names (modeling.src_runner_names) and details (modeling.src_runner_details)
        Column("horse_name", "text", "text"),
        Column("jockey_name", "text", "text"),
        Column("trainer_name", "text", "text"),
        Column("body_weight_kg", "numeric(5, 1)", "num", check="{v} BETWEEN 200 AND 900"),
        Column("gear", "text", "text"),
        Column("gear_first_time", "boolean", "bool"),
        Column("finish_time_s", "real", "real", check="{v} > 0 AND {v} < 1200"),
        Column("running_positions", "smallint[]", "int_array",
               check="cardinality({v}) <= 12 AND 1 <= ALL ({v}) AND 40 >= ALL ({v})"),
        Column("sectional_times", "real[]", "real_array",
               check="cardinality({v}) <= 20 AND 0 < ALL ({v}) AND 600 > ALL ({v})"),
    ),
    row_checks=(
        RowCheck("finish_pos_without_finish",
                 "{finish_pos} IS NULL OR {status} IN ('finished', 'disqualified')",
                 ("finish_pos", "status")),
    ),
)

ODDS = TableSpec(
    name="odds",
    key=("race_id", "horse_id", "source", "observed_at"),
    parent="runner",
    columns=(
        Column("race_id", "bigint", "int", required=True),
        Column("horse_id", "bigint", "int", required=True),
        Column("observed_at", "timestamptz", "ts", required=True),
        Column("source", "text", "text", required=True),
        Column("source_kind", "text", "text", required=True,
               check=_in("bookmaker", "exchange", "tote")),
        Column("decimal_odds", "double precision", "double", required=True,
               check="{v} > 1 AND {v} < 10000", reason="odds_out_of_range"),
        Column("ew_places", "smallint", "int", check="{v} BETWEEN 1 AND 6"),
        Column("ew_fraction", "numeric(4, 3)", "num", check="{v} > 0 AND {v} <= 1"),
        Column("volume", "double precision", "double", check="{v} >= 0"),
    ),
)

TABLES: dict[str, TableSpec] = {spec.name: spec for spec in (RACES, RUNNERS, ODDS)}
