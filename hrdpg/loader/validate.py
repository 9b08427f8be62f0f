"""Set-based validation of the staged rows: every rejected row gets exactly one reason.

Phase 0 (not in strict mode) sets optional fields that do not parse or are out of range to
NULL, noting each in a temp list, so the row is kept (a bad price must not cost a result).
Phase 1 works on the text stage: NULLs in required columns, values that do not parse, values
outside the schema's CHECK ranges, cross-column row checks. COALESCE evaluates its arguments in
order and stops at the first non-NULL one, so a range check only runs on a row whose values all
parse. Phase 2 casts the surviving rows into a typed table and rejects in-file duplicates and
rows whose race or runner does not exist.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from hrdpg.loader.parse import PARSE_REASON, checked, parses, typed, value
from hrdpg.loader.spec import Column, TableSpec
from hrdpg.loader.staging import STAGE

TYPED = "_hrdpg_typed"
NULLED = "_hrdpg_nulled"


def nullable(spec: TableSpec, header: list[str]) -> list[Column]:
    """Columns whose bad value is nulled instead of rejecting the row: optional, not part of
    the key, without a default (a nulled surface would silently become 'turf')."""
    return [c for c in spec.columns if c.name in header and not c.required
            and c.default is None and c.name not in spec.key
            and (c.kind != "text" or c.check is not None)]


def null_bad_fields(conn: psycopg.Connection, spec: TableSpec, header: list[str]) -> None:
    """Phase 0: note and NULL every unusable optional field (line, column, reason, raw)."""
    conn.execute(sql.SQL(
        "CREATE TEMP TABLE {} (line_no bigint, column_name text, reason text, raw_value text)"
        " ON COMMIT DROP").format(sql.Identifier(NULLED)))
    for col in nullable(spec, header):
        arms = [sql.SQL("CASE WHEN NOT ({}) THEN {} END").format(
            parses(col), sql.Literal(f"{PARSE_REASON[col.kind]}:{col.name}"))] \
            if col.kind != "text" else []
        if col.check is not None:
            arms.append(sql.SQL("CASE WHEN NOT ({}) THEN {} END").format(
                checked(col), sql.Literal(f"{col.reason}:{col.name}")))
        reason = sql.SQL("COALESCE({}, NULL::text)").format(sql.SQL(", ").join(arms))
        conn.execute(sql.SQL(
            "WITH bad AS (SELECT line_no, {reason} AS reason, {raw} AS raw FROM {stage}"
            "              WHERE {v} IS NOT NULL),"
            " noted AS (INSERT INTO {nulled} SELECT line_no, {name}, reason, raw FROM bad"
            "            WHERE reason IS NOT NULL RETURNING line_no)"
            " UPDATE {stage} s SET {col} = NULL FROM noted n WHERE s.line_no = n.line_no"
        ).format(reason=reason, raw=sql.Identifier(col.name), stage=sql.Identifier(STAGE),
                 v=value(col.name), nulled=sql.Identifier(NULLED), name=sql.Literal(col.name),
                 col=sql.Identifier(col.name)))


def _reason_expr(spec: TableSpec, header: list[str]) -> sql.Composed:
    present = [c for c in spec.columns if c.name in header]
    arms: list[sql.Composable] = []
    for col in present:
        if col.required:
            arms.append(sql.SQL("CASE WHEN {} IS NULL THEN {} END").format(
                value(col.name), sql.Literal(f"null_required:{col.name}")))
    for col in present:
        if col.kind != "text":
            arms.append(sql.SQL("CASE WHEN {v} IS NOT NULL AND NOT ({ok}) THEN {r} END").format(
                v=value(col.name), ok=parses(col),
                r=sql.Literal(f"{PARSE_REASON[col.kind]}:{col.name}")))
    for col in present:
        if col.check is not None:
            arms.append(sql.SQL("CASE WHEN {v} IS NOT NULL AND NOT ({ok}) THEN {r} END").format(
                v=value(col.name), ok=checked(col), r=sql.Literal(f"{col.reason}:{col.name}")))
    for check in spec.row_checks:
        if all(n in header for n in check.needs):
            typed_values = {n: typed(spec.column(n)) for n in check.needs}
            arms.append(sql.SQL("CASE WHEN NOT coalesce(({}), true) THEN {} END").format(
                sql.SQL(check.sql).format(**typed_values), sql.Literal(check.reason)))
    arms.append(sql.SQL("NULL::text"))
    return sql.SQL("COALESCE({})").format(sql.SQL(", ").join(arms))


def _typed_value(spec: TableSpec, name: str) -> sql.Composable:
    col = spec.column(name)
    cast = typed(col)
    if col.default is not None:
        return sql.SQL("COALESCE({}, {})").format(cast, sql.SQL(col.default))
    return cast


def validate(conn: psycopg.Connection, spec: TableSpec, header: list[str]) -> None:
    """Set ``reason`` on every rejected stage row; build the typed table of the good ones."""
    conn.execute(sql.SQL("UPDATE {} SET reason = {}").format(
        sql.Identifier(STAGE), _reason_expr(spec, header)))

    present = [n for n in spec.names if n in header]
    conn.execute(sql.SQL(
        "CREATE TEMP TABLE {typed} ON COMMIT DROP AS"
        " SELECT line_no, NULL::text AS reason, {cols} FROM {stage} WHERE reason IS NULL"
    ).format(
        typed=sql.Identifier(TYPED), stage=sql.Identifier(STAGE),
        cols=sql.SQL(", ").join(sql.SQL("{} AS {}").format(
            _typed_value(spec, n), sql.Identifier(n)) for n in present)))

    # Temp tables get no autovacuum statistics; without them the joins below plan badly.
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(TYPED)))

    # Every copy of a repeated natural key is rejected: the file does not say which is right.
    key = sql.SQL(", ").join(sql.Identifier(k) for k in spec.key)
    conn.execute(sql.SQL(
        "UPDATE {typed} SET reason = {reason} WHERE ({key}) IN"
        " (SELECT {key} FROM {typed} GROUP BY {key} HAVING count(*) > 1)"
    ).format(typed=sql.Identifier(TYPED), key=key,
             reason=sql.Literal(spec.duplicate_reason)))

    if spec.parent in ("race", "runner"):
        conn.execute(sql.SQL(
            "UPDATE {} t SET reason = 'unknown_race' WHERE reason IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM racing.races r WHERE r.race_id = t.race_id)"
        ).format(sql.Identifier(TYPED)))
    if spec.parent == "runner":
        conn.execute(sql.SQL(
            "UPDATE {} t SET reason = 'unknown_runner' WHERE reason IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM racing.runners r"
            "   WHERE r.race_id = t.race_id AND r.horse_id = t.horse_id)"
        ).format(sql.Identifier(TYPED)))

    conn.execute(sql.SQL(
        "UPDATE {stage} s SET reason = t.reason FROM {typed} t"
        " WHERE t.line_no = s.line_no AND t.reason IS NOT NULL"
    ).format(stage=sql.Identifier(STAGE), typed=sql.Identifier(TYPED)))
