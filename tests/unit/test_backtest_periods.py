"""Backtest periods: the calendar years, quarters or months of --from..--to, cut to it."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from hrdpg.backtest.periods import split
from hrdpg.errors import HrdpgError

KEYS = {"year": lambda d: (d.year,), "quarter": lambda d: (d.year, (d.month - 1) // 3),
        "month": lambda d: (d.year, d.month)}


def by_days(lo: dt.date, hi: dt.date, kind: str) -> list[tuple[dt.date, dt.date]]:
    """Every day of the window grouped by its calendar period: the independent answer."""
    days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    return [(g[0], g[-1]) for _, grp in itertools.groupby(days, KEYS[kind])
            for g in [list(grp)]]


@pytest.mark.parametrize("kind", ["year", "quarter", "month"])
@pytest.mark.parametrize("lo,hi", [(dt.date(2019, 1, 1), dt.date(2022, 12, 31)),
                                   (dt.date(2019, 2, 15), dt.date(2020, 3, 3)),
                                   (dt.date(2020, 2, 29), dt.date(2020, 2, 29))])
def test_periods_cover_the_window_by_calendar_period(kind: str, lo: dt.date,
                                                     hi: dt.date) -> None:
    got = split(lo, hi, kind)
    assert [(p.date_from, p.date_to) for p in got] == by_days(lo, hi, kind)
    assert [p.no for p in got] == list(range(1, len(got) + 1))


def test_labels_name_whole_periods_and_show_cut_ones() -> None:
    assert [p.label for p in split(dt.date(2019, 1, 1), dt.date(2020, 12, 31), "year")] == [
        "2019", "2020"]
    assert [p.label for p in split(dt.date(2019, 3, 1), dt.date(2019, 7, 15), "quarter")] == [
        "2019-03-01..2019-03-31", "2019Q2", "2019-07-01..2019-07-15"]
    assert split(dt.date(2019, 4, 1), dt.date(2019, 4, 30), "month")[0].label == "2019-04"


def test_from_after_to_is_refused() -> None:
    with pytest.raises(HrdpgError, match="--from 2019-05-01 is after --to 2019-04-30"):
        split(dt.date(2019, 5, 1), dt.date(2019, 4, 30), "month")
