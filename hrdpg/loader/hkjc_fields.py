"""Field-level mapping of the public HKJC results files to the racing contract (pure functions).

Every function takes the published text (Traditional Chinese) and returns the contract's value,
or None when the text is blank or not understood; the converter counts the Nones it did not
expect, so nothing is silently guessed. Vocabulary: ../shared/data/hkjc/README.md.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction

VENUES = {"沙田": "Sha Tin", "跑馬地": "Happy Valley"}
GOINGS = {"好地": "good", "好地至快地": "good_to_firm", "快地": "firm",
          "好地至黏地": "good_to_yielding", "黏地": "yielding", "黏地至軟地": "yielding_to_soft",
          "軟地": "soft", "濕快地": "wet_fast", "濕慢地": "wet_slow"}
CLASSES = {"第一班": 1, "第二班": 2, "第三班": 3, "第四班": 4, "第五班": 5,
           "第四班（條件限制）": 4}
ALL_WEATHER = "全天候跑道"
# Margins published in words, in lengths (the usual conversions of racing's terms).
MARGIN_WORDS = {"鼻位": 0.05, "短馬頭位": 0.1, "頭位": 0.2, "頸位": 0.3, "多個馬位": 30.0,
                "遙遙落後": 30.0}
WITHDRAWN = {"WV", "WV-A", "WX", "WX-A", "WXNR", "TNP"}
# Did-not-finish codes; the contract has no "did not finish", so DNF is recorded as pulled up.
UNFINISHED = {"PU": "pulled_up", "UR": "unseated", "FE": "fell", "DNF": "pulled_up"}
LBS_TO_KG = 0.45359237
DEAD_HEAT = "平頭馬"
BRAND = re.compile(r"\(([A-Z]{1,2})(\d{3})\)\s*$")


@dataclass(frozen=True)
class Placing:
    finish_pos: int | None
    dead_heat: bool
    status: str | None
    non_runner: bool


def placing(text: str) -> Placing | None:
    """'1', '3 平頭馬' (dead heat for 3rd), WV/WX... (withdrawn), TNP, PU, UR, FE, DNF, DISQ."""
    t = text.strip()
    if t.isdigit():
        return Placing(int(t), False, "finished", False)
    if t.endswith(DEAD_HEAT) and t[: -len(DEAD_HEAT)].strip().isdigit():
        return Placing(int(t[: -len(DEAD_HEAT)].strip()), True, "finished", False)
    if t in WITHDRAWN:
        return Placing(None, False, "non_runner", True)
    if t in UNFINISHED:
        return Placing(None, False, UNFINISHED[t], False)
    if t == "DISQ":
        return Placing(None, False, "disqualified", False)
    return None


def beaten_lengths(text: str) -> float | None:
    """'-' (the winner) -> 0; '1-1/2', '3/4', '12' -> lengths; words -> MARGIN_WORDS."""
    t = text.strip()
    if t == "-":
        return 0.0
    if t in MARGIN_WORDS:
        return MARGIN_WORDS[t]
    m = re.fullmatch(r"(\d+)(?:-(\d+/\d+))?|(\d+/\d+)", t)
    if not m:
        return None
    whole, frac, only = m.groups()
    return float(Fraction(only)) if only else int(whole) + (float(Fraction(frac)) if frac else 0)


def brand_code(horse_name: str) -> str | None:
    """'傲風雲 (A344)' -> 'A344', the horse's permanent brand code."""
    m = BRAND.search(horse_name)
    return m.group(1) + m.group(2) if m else None


def horse_id(code: str) -> int:
    """A brand code as a stable bigint: letters in base 27 (A=1), then the three digits."""
    letters, digits = code[:-3], code[-3:]
    value = 0
    for ch in letters:
        value = value * 27 + (ord(ch) - 64)
    return value * 1000 + int(digits)


def person_id(name: str) -> int | None:
    """A jockey or trainer (names only in the source) as a stable positive bigint."""
    n = name.strip()
    if not n:
        return None
    return int.from_bytes(hashlib.blake2b(n.encode(), digest_size=7).digest(), "big")


def course(text: str) -> tuple[str, str | None]:
    """'草地 - "C+3" 賽道' -> ('turf', 'C+3'); '全天候跑道' -> ('aw', None)."""
    t = text.strip()
    if t == ALL_WEATHER:
        return "aw", None
    m = re.search(r'"([^"]+)"', t)
    return "turf", (m.group(1) if m else None)


def decimal_or_none(text: str) -> float | None:
    t = text.strip().replace(",", "")
    try:
        return float(t) if t else None
    except ValueError:
        return None


def int_or_none(text: str) -> int | None:
    t = text.strip().replace(",", "")
    return int(t) if t.isdigit() else None


def horse_name(text: str) -> str | None:
    """'傲風雲 (A344)' -> '傲風雲' (the name without its brand code)."""
    name = BRAND.sub("", text).strip()
    return name or None


def finish_time(text: str) -> float | None:
    """'1:09.28' (results, m:ss.cc) or '1.48.42' (form records) -> seconds; '---' -> None."""
    m = re.fullmatch(r"(?:(\d+)[:.])?(\d{1,2})\.(\d{2})", text.strip())
    if not m:
        return None
    minutes, seconds, hundredths = m.groups()
    return round(int(minutes or 0) * 60 + int(seconds) + int(hundredths) / 100, 2)


def array_literal(values: list[int] | list[float]) -> str | None:
    """[10, 5, 1] -> '{10,5,1}' (the loader's array form); [] -> None."""
    return "{" + ",".join(map(str, values)) + "}" if values else None


def positions(text: str) -> list[int]:
    """'10 5 1' (the running positions at each call) -> [10, 5, 1]; '---' -> []."""
    calls = text.split()
    return [int(c) for c in calls] if calls and all(c.isdigit() for c in calls) else []


def section_time(text: str) -> float | None:
    """A runner's own time for one section: '23.96'; a final section published with its
    200 m splits, '22.99 11.80    11.19', is the first number."""
    parts = text.split()
    return decimal_or_none(parts[0]) if parts else None


def rating_band(text: str) -> tuple[int | None, int | None]:
    """'60-40' (published high first; '40-0' for Class 5) -> (40, 60); blank -> (None, None)."""
    m = re.fullmatch(r"(\d+)-(\d+)", text.strip())
    if not m:
        return None, None
    a, b = int(m.group(1)), int(m.group(2))
    return min(a, b), max(a, b)


def gear(text: str) -> tuple[str | None, bool | None]:
    """Gear codes as published and whether any item is worn for the first time (a trailing
    '1'): 'B1/TT' -> ('B1/TT', True); '--' (none) -> (None, False); blank -> (None, None)."""
    t = text.strip()
    if not t:
        return None, None
    if t.strip("-") == "":
        return None, False
    return t, any(item.endswith("1") for item in t.split("/"))
