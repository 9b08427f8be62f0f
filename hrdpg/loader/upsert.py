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
from hrdpg.loader.staging import ORIGIN, STAGE
from hrdpg.loader.validate import NULLED, TYPED

EXAMPLES_PER_REASON = 5


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int
    example_lines: tuple[int, ...]
    # "ANZ_x.csv line 12" per example when the loaded file was converted from another one
    example_sources: tuple[str, ...] = ()

    @property
    def examples(self) -> str:
        if self.example_sources:
            return ", ".join(self.example_sources)
        return "line " + ", ".join(map(str, self.example_lines))


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


# Counts by reason of one load's rows in load_rejects or load_nulled, with example lines.
_COUNTS_SQL = """
SELECT reason, count(*), (array_agg(line_no ORDER BY line_no))[1:%(n)s],
       (array_agg(source_file || ' line ' || source_line ORDER BY source_file, source_line)
            FILTER (WHERE source_file IS NOT NULL))[1:%(n)s]
  FROM {} WHERE load_id = %(load)s GROUP BY reason ORDER BY count(*) DESC, reason
"""


def _counts(conn: psycopg.Connection, table: str, load_id: int) -> list[ReasonCount]:
    rows = conn.execute(sql.SQL(_COUNTS_SQL).format(sql.Identifier("modeling", table)),
                        {"n": EXAMPLES_PER_REASON, "load": load_id}).fetchall()
    return [ReasonCount(r, int(n), tuple(int(x) for x in lines), tuple(src or ()))
            for r, n, lines, src in rows]


def record_rejects(conn: psycopg.Connection, load_id: int, file_name: str,
                   table: str) -> list[ReasonCount]:
    """Copy rejected stage rows to modeling.load_rejects; returns counts by reason."""
    conn.execute(sql.SQL(
        "INSERT INTO modeling.load_rejects (load_id, file_name, table_name, line_no, reason, raw,"
        " source_file, source_line)"
        " SELECT %s, %s, %s, s.line_no, s.reason, to_jsonb(s) - 'line_no' - 'reason',"
        " o.file_name, o.file_line"
        " FROM {stage} s LEFT JOIN {origin} o USING (line_no) WHERE s.reason IS NOT NULL"
    ).format(stage=sql.Identifier(STAGE), origin=sql.Identifier(ORIGIN)),
        (load_id, file_name, table))
    return _counts(conn, "load_rejects", load_id)


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
        " reason, raw_value, source_file, source_line)"
        " SELECT %s, %s, %s, n.line_no, n.column_name, n.reason, n.raw_value, o.file_name,"
        " o.file_line FROM {nulled} n JOIN {stage} s USING (line_no)"
        " LEFT JOIN {origin} o USING (line_no) WHERE s.reason IS NULL"
    ).format(nulled=sql.Identifier(NULLED), stage=sql.Identifier(STAGE),
             origin=sql.Identifier(ORIGIN)), (load_id, file_name, table))
    return _counts(conn, "load_nulled", load_id)
