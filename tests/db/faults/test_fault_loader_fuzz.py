"""Malformed CSV, fuzzed: whatever the bytes, load_file returns a report (never raises), a file
either commits whole (every data line loaded or rejected with a reason and its line number) or
loads nothing and says why; --strict never keeps a file with a reject."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import psycopg
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hrdpg.loader import load_file

HEADER = b"race_id,race_date,off_time,course,country,distance_m,going"
GOOD = [b"2025-03-01", b"2025-03-01T14:30:00Z", b"Ascot", b"GB", b"1600", b"good"]
# Text that breaks fields and lines: separators, quotes, CR, NUL, invalid UTF-8, long runs.
NASTY = st.one_of(
    st.binary(max_size=12),
    st.sampled_from([b",", b'"', b'""', b"\r", b"\x00", b"\xff\xfe", b"\\.", b"1e9", b"-0",
                     b"2025-02-30", b"NaN", b" ", b"x" * 5000, "ñ".encode(), b"\t"]),
)


@st.composite
def lines(draw: st.DrawFn) -> tuple[list[tuple[bytes, bool]], set[int]]:
    """Data lines with unique race ids, each with whether it was mangled; and the ids of the
    untouched lines."""
    n = draw(st.integers(0, 12))
    out: list[tuple[bytes, bool]] = []
    intact: set[int] = set()
    for race_id in range(1, n + 1):
        fields = [str(race_id).encode(), *GOOD]
        kind = draw(st.sampled_from(["good"] * 5 + ["field"] * 4 + ["drop", "extra", "dup"]))
        if kind == "field":
            fields[draw(st.integers(1, len(GOOD)))] = draw(NASTY)
        elif kind == "drop":
            del fields[draw(st.integers(1, len(GOOD)))]
        elif kind == "extra":
            fields.append(draw(NASTY))
        elif kind == "dup" and out:
            fields[0] = out[-1][0].split(b",", 1)[0]
            intact.discard(int(fields[0]))  # a duplicated key rejects both lines
        if kind == "good":
            intact.add(race_id)
        out.append((b",".join(fields), kind in ("field", "drop", "extra")))
    if draw(st.booleans()):
        out.insert(draw(st.integers(0, len(out))), (b"", False))  # a blank line is skipped
    return out, intact


def _count(conn: psycopg.Connection, query: str, *args: object) -> int:
    row = conn.execute(query, args).fetchone()
    conn.commit()
    assert row is not None
    return int(row[0])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=lines(), strict=st.booleans(), crlf=st.booleans())
# Found by hypothesis: a raw newline in a field makes its record two file lines.
@example(data=([(b"1,2025-03-01,2025-03-01T14:30:00Z,Ascot,GB,1600,\n", True),
                (b"2,,2025-03-01T14:30:00Z,Ascot,GB,1600,good", True)], set()),
         strict=False, crlf=False)
@example(data=([(b"1,2025-03-01,2025-03-01T14:30:00Z,Ascot,GB,1600,\n", True),
                (b"2,2025-03-01T14:30:00Z,Ascot,GB,1600,good", True)], set()),
         strict=False, crlf=False)
def test_fuzzed_file_is_all_or_nothing(conn: psycopg.Connection,
                                       data: tuple[list[tuple[bytes, bool]], set[int]],
                                       strict: bool, crlf: bool) -> None:
    numbered, intact = data
    body = [line for line, _ in numbered]
    # File line numbers: the header is line 1, and a generated field may hold a raw newline,
    # which makes its record two lines and moves every later record down.
    starts = [2 + sum(line.count(b"\n") + 1 for line in body[:i]) for i in range(len(body))]
    mangled = {start + k for (line, bad), start in zip(numbered, starts, strict=True) if bad
               for k in range(line.count(b"\n") + 1)}
    conn.execute("TRUNCATE racing.races CASCADE")
    conn.execute("TRUNCATE modeling.load_rejects")
    conn.commit()
    eol = b"\r\n" if crlf else b"\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "races.csv"
        path.write_bytes(eol.join([HEADER, *body]) + eol)
        report = load_file(conn, "races", path, strict=strict, display_name="races.csv")

    loaded = {r[0] for r in conn.execute("SELECT race_id FROM racing.races").fetchall()}
    rejects = conn.execute("SELECT line_no, reason FROM modeling.load_rejects "
                           "WHERE load_id = %s", (report.load_id,)).fetchall()
    run = conn.execute("SELECT status, error FROM modeling.runs WHERE run_id = %s",
                       (report.load_id,)).fetchone()
    conn.commit()
    data_lines = {i + 2 for i, line in enumerate(b"\n".join(body).split(b"\n")) if line.strip()}
    if not report.ok:
        assert report.error and run == ("failed", report.error)
        assert loaded == set() and rejects == []  # nothing of the file stays
        assert report.inserted == 0
        named = re.search(r"races\.csv line (\d+):", report.error)
        if named:  # a file-level refusal names a line: one that was mangled
            assert int(named.group(1)) in mangled, report.error
        return
    assert run == ("ok", None)
    assert len(loaded) == report.inserted and report.updated == 0
    assert report.rows_in == len(data_lines) == report.inserted + report.rejected
    assert len(rejects) == report.rejected and not (strict and rejects)
    assert all(reason for _, reason in rejects)
    assert {line for line, _ in rejects} <= data_lines
    assert intact <= loaded  # every untouched line made it in
