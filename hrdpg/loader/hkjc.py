"""HKJC results files (../shared/data/hkjc layout) -> the contract's races / runners / odds
CSVs -> load_file, like the Betfair profile: the converter reshapes and counts, the loader
validates and reports rejects with the original file and line.

Decisions (docs/loading.md, "Hong Kong"):
- race_id = yyyymmdd * 100 + race number (one meeting a day); horse_id from the brand code;
  jockey_id / trainer_id are stable hashes of the published names (the source has no ids).
- The files carry no post times: off_time is estimated from the race order (day meetings
  from 12:45, Happy Valley weekday nights from 19:15 Hong Kong time, 30 minutes apart).
- official_rating comes from the horse's form record for that date (the rating it ran off),
  and so does a distance the results file leaves blank.
- The final win odds are a tote source (`hkjc_win`, kind `tote`) observed at the off: they are
  the closing pool, known only when betting closes, so no pre-off feature reads them.
- Win odds of 1.0 or below (the pool's minimum) are not a price: the runner and its result
  are kept, the price is left out and counted.
- Optional data (docs/data-contract.md, "How Hong Kong and Betfair map to the contract"): the
  rail from the course text, the rating band, race and horse names, jockey and trainer names,
  body weight (declared lbs -> kg), finish time, running positions, gear from the form record
  of that date, and each runner's own section times from sectional_times_<date>.csv.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from rich.progress import Progress

from hrdpg.errors import HrdpgError
from hrdpg.loader import hkjc_fields as f
from hrdpg.loader.core import DEFAULT_CHUNK_ROWS, load_contract_files
from hrdpg.loader.report import LoadReport

HK = ZoneInfo("Asia/Hong_Kong")
DAY_FIRST, NIGHT_FIRST, RACE_GAP = time(12, 45), time(19, 15), timedelta(minutes=30)
RACE_COLS = ("race_id", "race_date", "off_time", "course", "country", "surface", "going",
             "distance_m", "race_class", "race_type", "handicap", "prize", "declared_runners",
             "race_name", "rail", "rating_band_low", "rating_band_high")
RUNNER_COLS = ("race_id", "horse_id", "jockey_id", "trainer_id", "draw", "weight_kg",
               "official_rating", "non_runner", "finish_pos", "dead_heat", "beaten_lengths",
               "status", "sp_decimal", "horse_name", "jockey_name", "trainer_name",
               "body_weight_kg", "gear", "gear_first_time", "finish_time_s",
               "running_positions", "sectional_times")
SECTIONS = 6  # sec1_time .. sec6_time in the sectional times files
ODDS_COLS = ("race_id", "horse_id", "observed_at", "source", "source_kind", "decimal_odds")


@dataclass
class HkjcSummary:
    meetings: int = 0
    races: int = 0
    runners: int = 0
    odds: int = 0
    unread: Counter[str] = field(default_factory=Counter)  # field -> values not understood
    no_price: int = 0  # win odds missing or <= 1.0: runner kept, no price
    repeated_rows: int = 0  # a runner row scraped twice into one file: read once

    def render(self) -> str:
        unread = ", ".join(f"{k} {v}" for k, v in sorted(self.unread.items())) or "none"
        return (f"hkjc: {self.meetings} meetings, {self.races} races, {self.runners} runners, "
                f"{self.odds} final win odds ({self.no_price} runners without a price); "
                f"{self.repeated_rows} repeated rows read once\n"
                f"hkjc: values not understood (left blank, row kept): {unread}")


def result_files(root: Path) -> list[Path]:
    files = sorted(root.glob("20[0-9][0-9]/results_*.csv"))
    if not files:
        raise HrdpgError(f"no HKJC results files (20YY/results_YYYY-MM-DD.csv) under {root}")
    return files


@dataclass(frozen=True)
class FormRun:
    """What a horse's form record says of one of its runs."""

    rating: int | None
    distance_m: int | None
    gear: str | None
    gear_first_time: bool | None


def read_form(root: Path) -> dict[tuple[str, date], FormRun]:
    """(brand code, race date) -> the rating the horse ran off and the race's distance (the
    results files leave the distance blank for some feature races)."""
    runs: dict[tuple[str, date], FormRun] = {}
    for path in sorted((root / "horses" / "form_records").glob("form_*.csv")):
        for row in _rows(path):
            try:
                day = datetime.strptime(row.get("date", ""), "%d/%m/%Y").date()
            except ValueError:
                continue
            if row.get("horse_no"):
                runs[(row["horse_no"].strip(), day)] = FormRun(
                    f.int_or_none(row.get("rating", "")), f.int_or_none(row.get("distance_m", "")),
                    *f.gear(row.get("gear", "")))
    return runs


def read_sectionals(results: Path) -> dict[tuple[str, str], list[float]]:
    """(race_no, brand code) -> the runner's own time for each section, from the meeting's
    sectional_times file (none for a meeting without one); stops at the first blank section."""
    path = results.with_name(results.name.replace("results_", "sectional_times_"))
    times: dict[tuple[str, str], list[float]] = {}
    if not path.exists():
        return times
    for row in _rows(path):
        code = f.brand_code(row.get("horse_name", ""))
        if code is None or row.get("race_no") == "race_no":
            continue
        secs = []
        for k in range(1, SECTIONS + 1):
            t = f.section_time(row.get(f"sec{k}_time") or "")
            if t is None:
                break
            secs.append(t)
        times[(row["race_no"].strip(), code)] = secs
    return times


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


def off_time(day: date, venue: str, race_no: int) -> datetime:
    night = venue == "Happy Valley" and day.weekday() < 5
    first = datetime.combine(day, NIGHT_FIRST if night else DAY_FIRST, HK)
    return first + (race_no - 1) * RACE_GAP


def _unread(summary: HkjcSummary, name: str, text: str, value: object) -> object:
    if value is None and text.strip() not in ("", "---"):
        summary.unread[name] += 1
    return value


def convert_meeting(path: Path, form: dict[tuple[str, date], FormRun], summary: HkjcSummary,
                    races: list[dict[str, object]], runners: list[dict[str, object]],
                    odds: list[dict[str, object]]) -> None:
    by_race: dict[int, list[dict[str, str]]] = {}
    seen: set[tuple[tuple[str, str], ...]] = set()
    for row in _rows(path):
        key = tuple(row.items())
        if row.get("date") == "date" or key in seen:  # repeated header, or a row scraped twice
            summary.repeated_rows += row.get("date") != "date"
            continue
        seen.add(key)
        by_race.setdefault(int(row["race_no"]), []).append(row)
    summary.meetings += 1
    sectionals = read_sectionals(path)
    for race_no, field_rows in sorted(by_race.items()):
        first = field_rows[0]
        day = date.fromisoformat(first["date"])
        venue = f.VENUES.get(first["venue"].strip(), first["venue"].strip())
        surface, rail = f.course(first["course"])
        low, high = f.rating_band(first["rating_range"])
        race_id = int(day.strftime("%Y%m%d")) * 100 + race_no
        off = off_time(day, venue, race_no)
        band = first["rating_range"].strip()
        races.append({
            "race_id": race_id, "race_date": day.isoformat(), "off_time": off.isoformat(),
            "course": venue, "country": "HK", "surface": surface,
            "going": _unread(summary, "going", first["going"], f.GOINGS.get(first["going"])),
            "distance_m": f.int_or_none(first["distance_m"]) or _form_distance(field_rows, day,
                                                                                form),
            "race_class": f.CLASSES.get(first["race_class"].strip()),
            "race_type": "handicap" if band else (first["race_class"].strip() or "feature"),
            "handicap": "true" if band else "false",
            "prize": f.decimal_or_none(first["prize_hkd"]), "declared_runners": len(field_rows),
            "race_name": first["race_name"].strip() or None, "rail": rail,
            "rating_band_low": low, "rating_band_high": high})
        summary.races += 1
        for row in field_rows:
            secs = sectionals.get((str(race_no), f.brand_code(row["horse_name"]) or ""), [])
            _runner(row, day, race_id, off, form, summary, runners, odds, secs)


def _form_distance(rows: list[dict[str, str]], day: date,
                   form: dict[tuple[str, date], FormRun]) -> int | None:
    """The distance most of the race's runners' form records give for that day."""
    seen = Counter(run.distance_m for r in rows
                   if (code := f.brand_code(r["horse_name"])) and (run := form.get((code, day)))
                   and run.distance_m)
    return seen.most_common(1)[0][0] if seen else None


def _runner(row: dict[str, str], day: date, race_id: int, off: datetime,
            form: dict[tuple[str, date], FormRun], summary: HkjcSummary,
            runners: list[dict[str, object]], odds: list[dict[str, object]],
            sectionals: list[float]) -> None:
    code = f.brand_code(row["horse_name"])
    if code is None:  # no key: the loader rejects the row with its reason
        runners.append({"race_id": race_id, "horse_id": ""})
        return
    hid = f.horse_id(code)
    placing = f.placing(row["place"])
    _unread(summary, "place", row["place"], placing)
    weight = f.decimal_or_none(row["actual_wt_lbs"])
    body = f.decimal_or_none(row["declared_wt_lbs"])
    run = form.get((code, day))
    win = f.decimal_or_none(row["win_odds"])
    priced = win is not None and win > 1.0 and not (placing and placing.non_runner)
    if not priced and not (placing and placing.non_runner):
        summary.no_price += 1
    runners.append({
        "race_id": race_id, "horse_id": hid, "jockey_id": f.person_id(row["jockey"]),
        "trainer_id": f.person_id(row["trainer"]), "draw": f.int_or_none(row["draw"]),
        "weight_kg": round(weight * f.LBS_TO_KG, 2) if weight else None,
        "official_rating": run.rating if run else None,
        "non_runner": "true" if placing and placing.non_runner else "false",
        "finish_pos": placing.finish_pos if placing else None,
        "dead_heat": "true" if placing and placing.dead_heat else "false",
        "beaten_lengths": (_unread(summary, "lbw", row["lbw"], f.beaten_lengths(row["lbw"]))
                           if placing and placing.finish_pos else None),
        "status": placing.status if placing else None,
        "sp_decimal": win if priced else None,
        "horse_name": f.horse_name(row["horse_name"]), "jockey_name": row["jockey"].strip(),
        "trainer_name": row["trainer"].strip(),
        "body_weight_kg": round(body * f.LBS_TO_KG, 1) if body else None,
        "gear": run.gear if run else None,
        "gear_first_time": _bool(run.gear_first_time) if run else None,
        "finish_time_s": _unread(summary, "finish_time", row["finish_time"],
                                 f.finish_time(row["finish_time"])),
        "running_positions": f.array_literal(f.positions(row["running_position"])),
        "sectional_times": f.array_literal(sectionals)})
    summary.runners += 1
    if priced:
        odds.append({"race_id": race_id, "horse_id": hid, "observed_at": off.isoformat(),
                     "source": "hkjc_win", "source_kind": "tote", "decimal_odds": win})
        summary.odds += 1


def _bool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def convert(root: Path, out: Path) -> HkjcSummary:
    summary = HkjcSummary()
    form = read_form(root)
    races: list[dict[str, object]] = []
    runners: list[dict[str, object]] = []
    odds: list[dict[str, object]] = []
    for path in result_files(root):
        convert_meeting(path, form, summary, races, runners, odds)
    for name, cols, rows in (("races", RACE_COLS, races), ("runners", RUNNER_COLS, runners),
                             ("odds", ODDS_COLS, odds)):
        with (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(cols), restval="")
            writer.writeheader()
            writer.writerows(rows)
    return summary


def load_hkjc(conn: psycopg.Connection, root: Path, *, strict: bool = False,
              chunk_rows: int = DEFAULT_CHUNK_ROWS, progress: Progress | None = None
              ) -> tuple[HkjcSummary, list[LoadReport]]:
    """Convert the directory and load races, runners, odds (stops after a file that fails)."""
    with tempfile.TemporaryDirectory(prefix="hrdpg-hkjc-") as tmp:
        summary = convert(root, Path(tmp))
        reports = load_contract_files(conn, Path(tmp), "hkjc", strict=strict,
                                      chunk_rows=chunk_rows, progress=progress)
    return summary, reports
