"""SQL expressions that tell whether a staged text value parses, without casting it.

PostgreSQL 15 has no pg_input_is_valid(), and a failed cast aborts the whole statement, so every
type is recognised by regular expression first and cast only once it is known to be safe.
CASE arms run in order, which is what guards each cast.
"""

from __future__ import annotations

from psycopg import sql

from hrdpg.loader.spec import INT_BOUNDS, Column

INT_RE = r"^[+-]?[0-9]{1,19}$"
# A bounded exponent: '1e999999' would overflow even numeric.
NUM_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# ISO 8601 with an explicit UTC offset: a bare local time would silently take the session zone.
TS_RE = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
         r" ?([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$")
# Array literals as PostgreSQL writes them, '{10,5,1}'; elements are small plain numbers (no
# exponent, no NULL), so the cast can neither fail nor overflow.
INT_ARRAY_RE = r"^\{\s*([0-9]{1,4}(\s*,\s*[0-9]{1,4})*)?\s*\}$"
REAL_ARRAY_RE = (r"^\{\s*([0-9]{1,6}(\.[0-9]{1,6})?(\s*,\s*[0-9]{1,6}(\.[0-9]{1,6})?)*)?"
                 r"\s*\}$")
ARRAY_RE = {"int_array": INT_ARRAY_RE, "real_array": REAL_ARRAY_RE}
BOOL_WORDS = ("true", "false", "t", "f", "1", "0", "yes", "no", "y", "n", "on", "off")

# What a parse failure of each kind is called in the report.
PARSE_REASON = {"int": "bad_integer", "num": "bad_number", "real": "bad_number",
                "double": "bad_number", "bool": "bad_boolean", "date": "bad_date",
                "ts": "bad_timestamp", "int_array": "bad_array", "real_array": "bad_array"}


def value(name: str) -> sql.Composed:
    """The staged text of a column, trimmed, with '' read as NULL."""
    return sql.SQL("NULLIF(btrim({}), '')").format(sql.Identifier(name))


def _date_ok(v: sql.Composable) -> sql.Composed:
    return sql.SQL(
        "CASE WHEN {v} !~ {re} THEN false"
        " WHEN substr({v}, 1, 4)::int < 1 OR substr({v}, 6, 2)::int NOT BETWEEN 1 AND 12"
        " THEN false"
        " ELSE substr({v}, 9, 2)::int BETWEEN 1 AND extract(day FROM make_date("
        "substr({v}, 1, 4)::int, substr({v}, 6, 2)::int, 1) + interval '1 month - 1 day') END"
    ).format(v=v, re=sql.Literal(DATE_RE))


def _ts_ok(v: sql.Composable) -> sql.Composed:
    date_part = sql.SQL("substr({}, 1, 10)").format(v)
    return sql.SQL(
        "CASE WHEN {v} !~ {re} THEN false"
        " WHEN NOT ({date_ok}) THEN false"
        " ELSE substr({v}, 12, 2)::int < 24 AND substr({v}, 15, 2)::int < 60"
        " AND (substr({v}, 17, 1) <> ':' OR substr({v}, 18, 2)::int < 60)"
        " AND coalesce(substring({v} from '([+-][0-9]{{2}})(:?[0-9]{{2}})?$')::int, 0)"
        " BETWEEN -15 AND 15 END"
    ).format(v=v, re=sql.Literal(TS_RE), date_ok=_date_ok(date_part))


def parses(col: Column) -> sql.Composable:
    """True when the (non-NULL) staged value of ``col`` can be cast to its type."""
    v = value(col.name)
    if col.kind == "text":
        return sql.SQL("true")
    if col.kind == "int":
        bound = sql.Literal(INT_BOUNDS[col.sql_type])
        return sql.SQL("CASE WHEN {v} !~ {re} THEN false"
                       " ELSE abs({v}::numeric) <= {b} END").format(
            v=v, re=sql.Literal(INT_RE), b=bound)
    if col.kind in ("num", "real", "double"):
        # real/double also reject what would over- or underflow the float type.
        lo, hi = ("1e-37", "3e38") if col.kind == "real" else ("1e-307", "1e308")
        rng = (sql.SQL("true") if col.kind == "num" else sql.SQL(
            "({v}::numeric = 0 OR abs({v}::numeric) BETWEEN {lo}::numeric AND {hi}::numeric)"
        ).format(v=v, lo=sql.Literal(lo), hi=sql.Literal(hi)))
        return sql.SQL("CASE WHEN {v} !~ {re} THEN false ELSE {rng} END").format(
            v=v, re=sql.Literal(NUM_RE), rng=rng)
    if col.kind in ARRAY_RE:
        return sql.SQL("{v} ~ {re}").format(v=v, re=sql.Literal(ARRAY_RE[col.kind]))
    if col.kind == "bool":
        return sql.SQL("lower({v}) = ANY({words})").format(v=v, words=sql.Literal(
            list(BOOL_WORDS)))
    if col.kind == "date":
        return _date_ok(v)
    return _ts_ok(v)


def typed(col: Column) -> sql.Composed:
    """The staged value cast to the column type (only for rows already known to parse)."""
    return sql.SQL("{}::{}").format(value(col.name), sql.SQL(col.sql_type))


def checked(col: Column) -> sql.Composable:
    """``col.check`` over the value: numbers compared as numeric (no float rounding), arrays as
    numeric[], text as text. Only evaluated once every column of the row is known to parse."""
    assert col.check is not None
    v = value(col.name)
    operand = (v if col.kind == "text" else
               sql.SQL("{}::numeric[]").format(v) if col.kind in ARRAY_RE else
               sql.SQL("{}::numeric").format(v))
    return sql.SQL(col.check.replace("{v}", "{operand}")).format(operand=operand)
