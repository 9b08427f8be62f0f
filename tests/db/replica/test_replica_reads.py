"""The API's read on the standby: the primary's signals, each race whole while it re-publishes."""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg

from tests.db.replica.conftest import DAY, Pair, publish, wait_replayed

READ = ("SELECT * FROM modeling.latest_signals WHERE race_date = %s "
        "ORDER BY race_id, horse_id")
SHAPE = ("SELECT race_id, as_of, run_id, count(*) FROM modeling.latest_signals "
         "WHERE race_date = %s GROUP BY race_id, as_of, run_id")
POLLS = 300
# The polls go on past POLLS until the standby has shown this many publications (or the
# deadline passes): a fixed count of polls is over before a slower machine, or a slower
# publication, has replayed a third one.
PUBLICATIONS = 3
DEADLINE_S = 120.0


def rows_without_staleness(conn: psycopg.Connection) -> list[tuple[object, ...]]:
    cur = conn.execute(READ, (DAY,))
    names = [d.name for d in cur.description or []]
    keep = [i for i, n in enumerate(names) if n != "staleness_ms"]
    return [tuple(r[i] for i in keep) for r in cur.fetchall()]


def test_standby_reads_what_the_primary_published(pair: Pair) -> None:
    with pair.on_primary() as primary, pair.on_standby(autocommit=True) as standby:
        publish(primary, DAY)
        wait_replayed(primary, standby)
        on_primary = rows_without_staleness(primary)
        assert on_primary
        assert rows_without_staleness(standby) == on_primary


def test_standby_never_shows_half_a_race(pair: Pair) -> None:
    """While the primary re-publishes the day in a loop, every poll of the standby shows each
    race exactly once, from one publication, with all the rows that publication wrote (counted
    afterwards on the primary from modeling.signals, not from the view)."""
    with pair.on_primary() as primary, pair.on_standby(autocommit=True) as standby:
        publish(primary, DAY)
        wait_replayed(primary, standby)
        races = {r for r, *_ in standby.execute(SHAPE, (DAY,))}
        stop = threading.Event()
        failures: list[BaseException] = []

        def republish() -> None:
            try:
                with pair.on_primary() as writer:
                    while not stop.is_set():
                        publish(writer, DAY)
            except BaseException as exc:  # surfaced below
                failures.append(exc)

        thread = threading.Thread(target=republish)
        thread.start()
        seen: Counter[tuple[int, object]] = Counter()
        sizes: dict[tuple[int, object], set[int]] = {}
        bad_polls = []
        polls, deadline = 0, time.monotonic() + DEADLINE_S
        try:
            while polls < POLLS or (len({a for _r, a in seen}) < PUBLICATIONS
                                    and time.monotonic() < deadline):
                polls += 1
                shape = standby.execute(SHAPE, (DAY,)).fetchall()
                per_race = Counter(r for r, *_ in shape)
                if set(per_race) != races or max(per_race.values()) != 1:
                    bad_polls.append(shape)
                for race, as_of, _run, n in shape:
                    seen[(race, as_of)] += 1
                    sizes.setdefault((race, as_of), set()).add(n)
        finally:
            stop.set()
            thread.join()
        assert not failures
        assert not bad_polls
        written = dict(((r, a), n) for r, a, n in primary.execute(
            "SELECT race_id, as_of, count(*) FROM modeling.signals WHERE alias = 'production' "
            "AND race_date = %s GROUP BY race_id, as_of", (DAY,)))
        assert {k: {written[k]} for k in sizes} == sizes
        publications_seen = {a for _r, a in seen}
        assert len(publications_seen) >= PUBLICATIONS, "the polls never saw the standby move on"
