"""HKJC field mapping: placings, margins, brand codes, courses, as published."""

from __future__ import annotations

import pytest

from hrdpg.loader import hkjc_fields as f


@pytest.mark.parametrize(("text", "expected"), [
    ("1", f.Placing(1, False, "finished", False)),
    ("12 平頭馬", f.Placing(12, True, "finished", False)),
    ("WV-A", f.Placing(None, False, "non_runner", True)),
    ("TNP", f.Placing(None, False, "non_runner", True)),
    ("PU", f.Placing(None, False, "pulled_up", False)),
    ("DISQ", f.Placing(None, False, "disqualified", False)),
    ("9X", None),
])
def test_placing(text: str, expected: f.Placing | None) -> None:
    assert f.placing(text) == expected


@pytest.mark.parametrize(("text", "lengths"), [
    ("-", 0.0), ("3/4", 0.75), ("1-1/2", 1.5), ("12", 12.0), ("3-3/4", 3.75),
    ("短馬頭位", 0.1), ("鼻位", 0.05), ("頸位", 0.3), ("---", None), ("abc", None)])
def test_beaten_lengths(text: str, lengths: float | None) -> None:
    assert f.beaten_lengths(text) == lengths


def test_brand_codes_are_stable_distinct_ids() -> None:
    assert f.brand_code("傲風雲 (A344)") == "A344"
    assert f.brand_code("no code") is None
    codes = [a + b + f"{n:03d}" for a in ("", *"ABC") for b in "ABCXYZ" for n in (0, 7, 999)]
    ids = [f.horse_id(c) for c in codes]
    assert len(set(ids)) == len(codes) and all(i > 0 for i in ids)


def test_courses_and_people() -> None:
    assert f.course('草地 - "C+3" 賽道') == ("turf", "C+3")
    assert f.course("全天候跑道") == ("aw", None)
    assert f.person_id("巴度") == f.person_id(" 巴度 ") != f.person_id("潘頓")
    assert f.person_id("") is None


@pytest.mark.parametrize(("text", "seconds"), [
    ("1:09.28", 60 + 9.28), ("0.57.12", 57.12), ("2:01.05", 120 + 1.05), ("---", None)])
def test_finish_time(text: str, seconds: float | None) -> None:
    assert f.finish_time(text) == (None if seconds is None else pytest.approx(seconds))


def test_section_time_of_a_final_section_with_its_splits() -> None:
    assert f.section_time("22.24 11.12    11.12") == 22.24
    assert (f.section_time("23.96"), f.section_time("")) == (23.96, None)


@pytest.mark.parametrize(("text", "gear"), [
    ("B/TT", ("B/TT", False)), ("B-/CP1", ("B-/CP1", True)), ("TT1", ("TT1", True)),
    ("B2", ("B2", False)), ("--", (None, False)), ("", (None, None))])
def test_gear_and_first_time(text: str, gear: tuple[str | None, bool | None]) -> None:
    assert f.gear(text) == gear


def test_rating_band_positions_and_names() -> None:
    assert (f.rating_band("60-40"), f.rating_band("40-0"), f.rating_band("")) \
        == ((40, 60), (0, 40), (None, None))
    assert (f.positions("10 5 1"), f.positions("---")) == ([10, 5, 1], [])
    assert f.array_literal(f.positions("10 5 1")) == "{10,5,1}"
    assert f.horse_name("傲風雲 (A344)") == "傲風雲"
