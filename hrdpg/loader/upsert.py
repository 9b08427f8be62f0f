"""Set-based upsert of the validated rows on the natural key, and the rejects' bookkeeping.

Only columns present in the file are written: a file without ``going`` never blanks the going
already stored. The DO UPDATE ... WHERE ... IS DISTINCT FROM clause leaves identical rows
untouched (no new tuple, same xmin), which is what makes a re-load a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from hrdpg.loader.spec import TableSpec
from hrdpg.loader.staging import STAGE
from hrdpg.loader.validate import NULLED, TYPED

EXAMPLES_PER_REASON = 5


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int
    example_lines: tuple[int, ...]


def upsert(conn: psycopg.Connection, spec: TableSpec, header: list[str]) -> tuple[int, int]:
    """Insert/update the good typed rows; returns (inserted, updated)."""
    present = [n for n in spec.names if n in header]
    cols = sql.SQL(", ").join(sql.Identifier(n) for n in present)
    key = sql.SQL(", ").join(sql.Identifier(k) for k in spec.key)
    rest = [n for n in present if n not in spec.key]
    action: sql.Composable
    if rest:
        target = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(n)) for n in rest)
        incoming = sql.SQL(", ").join(
            sql.SQL("EXCLUDED.{}").format(sql.Identifier(n)) for n in rest)
        # ROW() keeps a single column a row, so IS DISTINCT FROM compares like for like.
        action = sql.SQL("DO UPDATE SET ({cols}) = ROW({inc}) "
                         "WHERE ROW({tgt}) IS DISTINCT FROM ROW({inc})").format(
            cols=sql.SQL(", ").join(sql.Identifier(n) for n in rest), inc=incoming, tgt=target)
    else:
        action = sql.SQL("DO NOTHING")
    row = conn.execute(sql.SQL(
        "WITH up AS (INSERT INTO {table} AS t ({cols})"
        " SELECT {cols} FROM {typed} WHERE reason IS NULL ORDER BY line_no"
        " ON CONFLICT ({key}) {action} RETURNING (xmax = 0) AS inserted)"
        " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up"
    ).format(table=sql.Identifier("racing", spec.name), cols=cols,
             typed=sql.Identifier(TYPED), key=key, action=action)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def record_rejects(conn: psycopg.Connection, load_id: int, file_name: str,
                   table: str) -> list[ReasonCount]:
    """Copy rejected stage rows to modeling.load_rejects; returns counts by reason."""
    conn.execute(sql.SQL(
        "INSERT INTO modeling.load_rejects (load_id, file_name, table_name, line_no, reason, raw)"
        " SELECT %s, %s, %s, line_no, reason, to_jsonb(s) - 'line_no' - 'reason'"
        " FROM {} s WHERE reason IS NOT NULL"
    ).format(sql.Identifier(STAGE)), (load_id, file_name, table))
    rows = conn.execute(sql.SQL(
        "SELECT reason, count(*), (array_agg(line_no ORDER BY line_no))[1:%s]"
        " FROM {} WHERE reason IS NOT NULL GROUP BY reason ORDER BY count(*) DESC, reason"
    ).format(sql.Identifier(STAGE)), (EXAMPLES_PER_REASON,)).fetchall()
    return [ReasonCount(r, int(n), tuple(int(x) for x in lines)) for r, n, lines in rows]


def count_stage(conn: psycopg.Connection) -> tuple[int, int]:
    """(rows staged, rows rejected)."""
    row = conn.execute(sql.SQL(
        "SELECT count(*), count(*) FILTER (WHERE reason IS NOT NULL) FROM {}"
    ).format(sql.Identifier(STAGE))).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def record_nulled(conn: psycopg.Connection, load_id: int, file_name: str,
                  table: str) -> list[ReasonCount]:
    """Copy the nulled-field notes of kept rows to modeling.load_nulled; counts by reason (a
    rejected row is reported once, as a reject)."""
    conn.execute(sql.SQL(
        "INSERT INTO modeling.load_nulled (load_id, file_name, table_name, line_no, column_name,"
        " reason, raw_value) SELECT %s, %s, %s, n.line_no, n.column_name, n.reason, n.raw_value"
        " FROM {nulled} n JOIN {stage} s USING (line_no) WHERE s.reason IS NULL"
    ).format(nulled=sql.Identifier(NULLED), stage=sql.Identifier(STAGE)),
        (load_id, file_name, table))
    rows = conn.execute(
        "SELECT reason, count(*), (array_agg(line_no ORDER BY line_no))[1:%s]"
        " FROM modeling.load_nulled WHERE load_id = %s GROUP BY reason"
        " ORDER BY count(*) DESC, reason", (EXAMPLES_PER_REASON, load_id)).fetchall()
    return [ReasonCount(r, int(n), tuple(int(x) for x in lines)) for r, n, lines in rows]

