"""Betfair ANZ thoroughbred files -> the contract's races / runners / odds CSVs -> load_file.

The mapping is documented in docs/loading.md ("Betfair ANZ"). The converter only reshapes:
anything it cannot interpret (an unknown state, a date in a third format, a BSP that is not a
number) is passed on blank or as is, so the loader rejects or nulls it with a reason and the
original ANZ file and line, exactly as for any other file.

When each price was known (each is its own source, source_kind 'exchange'):
- off_time is the actual jump (ACTUAL_OFF_TIME), when pre-play trading ended; the scheduled
  time only when no actual off is given.
- betfair_back (BEST_AVAIL_BACK_AT_SCHEDULED_OFF) is a snapshot taken at the scheduled off, so
  observed_at = the scheduled off: a model scoring before then cannot see it. Kept only when the
  race jumped after the scheduled off (else the snapshot was in-play).
- betfair_vwap (WIN_PREPLAY_WEIGHTED_AVERAGE_PRICE_TAKEN) averages trades up to the jump and
  betfair_bsp (WIN_BSP) is struck at the jump: both observed_at = the off, which no pre-off
  feature or price reads (observed_at < off_time). The BSP is the closing line for CLV.
Post-off columns (WIN_INPLAY_*, WIN_LAST_PRICE_TAKEN) are never read.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from rich.progress import Progress

from hrdpg.errors import HrdpgError
from hrdpg.loader.core import DEFAULT_CHUNK_ROWS, load_contract_files
from hrdpg.loader.report import LoadReport
from hrdpg.loader.staging import Origin

STATE_TZ = {"NSW": "Australia/Sydney", "ACT": "Australia/Sydney", "VIC": "Australia/Melbourne",
            "QLD": "Australia/Brisbane", "SA": "Australia/Adelaide", "WA": "Australia/Perth",
            "TAS": "Australia/Hobart", "NT": "Australia/Darwin", "NZ": "Pacific/Auckland"}
HANDICAP_TYPES = {"Hcap", "Hcp"}
JUMPS_TYPES = {"Hrd", "Stpl"}
NEEDED = ("LOCAL_MEETING_DATE", "SCHEDULED_RACE_TIME", "ACTUAL_OFF_TIME", "TRACK", "STATE_CODE",
          "WIN_MARKET_ID", "WIN_MARKET_NAME", "DISTANCE", "RACE_TYPE", "SELECTION_ID",
          "WIN_RESULT", "WIN_BSP", "WIN_PREPLAY_WEIGHTED_AVERAGE_PRICE_TAKEN",
          "WIN_PREPLAY_VOLUME", "BEST_AVAIL_BACK_AT_SCHEDULED_OFF")
RACE_COLS = ("race_id", "race_date", "off_time", "course", "country", "surface", "distance_m",
             "race_type", "handicap", "declared_runners")
RUNNER_COLS = ("race_id", "horse_id", "non_runner", "finish_pos", "dead_heat", "status",
               "sp_decimal", "horse_name")
ODDS_COLS = ("race_id", "horse_id", "observed_at", "source", "source_kind", "decimal_odds",
             "volume")


# Values of one market that every one of its rows should repeat; a row that disagrees is
# counted and named, and the market keeps the first row's value.
RACE_FIELDS = ("LOCAL_MEETING_DATE", "SCHEDULED_RACE_TIME", "ACTUAL_OFF_TIME", "TRACK",
               "STATE_CODE", "WIN_MARKET_NAME", "DISTANCE", "RACE_TYPE")
SHOWN_CONFLICTS = 3


@dataclass
class ConversionSummary:
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    repeated_rows: int = 0  # same market and selection again (one per extra place market)
    races: int = 0
    runners: int = 0
    odds: int = 0
    dead_heat_races: int = 0
    no_bsp_runners: int = 0
    distance_from_name: int = 0
    back_dropped_not_before_jump: int = 0
    off_from_schedule: int = 0  # no readable ACTUAL_OFF_TIME: the scheduled time is the off
    race_conflicts: Counter[str] = field(default_factory=Counter)  # column -> rows disagreeing
    conflict_examples: list[str] = field(default_factory=list)

    def render(self) -> str:
        text = (f"betfair-anz: {self.rows_read} rows from {len(self.files)} file(s); "
                f"{self.repeated_rows} repeated rows dropped (extra place markets)\n"
                f"  -> {self.races} races, {self.runners} runners, {self.odds} odds rows; "
                f"{self.dead_heat_races} dead-heat races, {self.no_bsp_runners} runners "
                f"without BSP, {self.distance_from_name} distances read from the market name, "
                f"{self.off_from_schedule} races timed at the scheduled off (no actual off), "
                f"{self.back_dropped_not_before_jump} back prices dropped (the race jumped at "
                "or before the scheduled off, so the 'at scheduled off' price was in-play)")
        if self.race_conflicts:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(self.race_conflicts.items()))
            text += (f"\n  race values that disagree within a market (first row kept): "
                     f"{counts}; e.g. {'; '.join(self.conflict_examples)}")
        return text


@dataclass
class Converted:
    """The three contract tables' rows, and where each row came from (file name, line)."""

    races: dict[str, dict[str, str]] = field(default_factory=dict)
    runners: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    odds: list[dict[str, str]] = field(default_factory=list)
    origin: dict[str, list[Origin]] = field(
        default_factory=lambda: {"races": [], "runners": [], "odds": []})
    first_row: dict[str, tuple[str, ...]] = field(default_factory=dict)  # market -> RACE_FIELDS
    # market -> (scheduled off, actual jump or None), from the market's first row
    times: dict[str, tuple[datetime | None, datetime | None]] = field(default_factory=dict)


def input_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(p.glob("*.csv"))
        elif p.is_file():
            files.append(p)
        else:
            raise HrdpgError(f"{p}: no such file or directory")
    if not files:
        raise HrdpgError(f"no .csv files in {', '.join(map(str, paths))}")
    return files


def parse_date(text: str) -> date | None:
    """ISO (2025-01-31) in most files; the April file uses Australian d/mm/yyyy."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            pass
    return None


def parse_time(text: str) -> time | None:
    """24-hour (18:37:00) in most files; the April file uses 6:37:00 PM."""
    for fmt in ("%H:%M:%S", "%I:%M:%S %p", "%H:%M"):
        try:
            return datetime.strptime(text.strip(), fmt).time()
        except ValueError:
            pass
    return None


def market_id(text: str) -> str:
    """'1.238511234' (Betfair's display form) or '238511234' -> '238511234'."""
    text = text.strip()
    return text[2:] if text.startswith("1.") else text


def number_text(text: str) -> str:
    """'1200.0' -> '1200' for integer columns; anything else passes through to the loader."""
    m = re.fullmatch(r"\s*(\d+)(\.0*)?\s*", text)
    return m.group(1) if m else text.strip()


def _local(day: date | None, clock: time | None, zone: ZoneInfo | None) -> datetime | None:
    if day is None or clock is None or zone is None:
        return None
    return datetime.combine(day, clock, tzinfo=zone)


def convert(files: Sequence[Path], out_dir: Path
            ) -> tuple[ConversionSummary, dict[str, list[Origin]]]:
    """Write races.csv, runners.csv and odds.csv for ``files`` into ``out_dir``; returns the
    summary and, per table, the original (file name, line) of each row written."""
    summary = ConversionSummary(files=[str(f) for f in files])
    out = Converted()
    for path in files:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in NEEDED if c not in (reader.fieldnames or [])]
            if missing:
                raise HrdpgError(f"{path}: not a Betfair ANZ file, missing {', '.join(missing)}")
            for row in reader:
                _convert_row(row, (path.name, reader.line_num), out, summary)
    winners = Counter(rid for (rid, _), r in out.runners.items() if r["finish_pos"])
    for (rid, _), runner in out.runners.items():
        if runner["finish_pos"] and winners[rid] > 1:
            runner["dead_heat"] = "true"
    summary.dead_heat_races = sum(n > 1 for n in winners.values())
    field_size = Counter(rid for rid, _ in out.runners)
    for rid, race in out.races.items():
        race["declared_runners"] = str(field_size[rid])
    summary.races, summary.runners, summary.odds = (len(out.races), len(out.runners),
                                                    len(out.odds))
    _write(out_dir / "races.csv", RACE_COLS, out.races.values())
    _write(out_dir / "runners.csv", RUNNER_COLS, out.runners.values())
    _write(out_dir / "odds.csv", ODDS_COLS, out.odds)
    return summary, out.origin


def _convert_row(row: dict[str, str], where: Origin, out: Converted,
                 summary: ConversionSummary) -> None:
    summary.rows_read += 1
    rid, hid = market_id(row["WIN_MARKET_ID"]), row["SELECTION_ID"].strip()
    values = tuple(row[c].strip() for c in RACE_FIELDS)
    if rid not in out.first_row:
        out.first_row[rid] = values
        day = parse_date(row["LOCAL_MEETING_DATE"])
        tz_name = STATE_TZ.get(row["STATE_CODE"].strip())
        zone = ZoneInfo(tz_name) if tz_name else None
        scheduled = _local(day, parse_time(row["SCHEDULED_RACE_TIME"]), zone)
        jump = _jump(row["ACTUAL_OFF_TIME"], scheduled)
        summary.off_from_schedule += jump is None
        out.times[rid] = (scheduled, jump)
        out.races[rid] = _race(row, rid, day, jump or scheduled, summary)
        out.origin["races"].append(where)
    elif values != out.first_row[rid]:
        _race_conflict(out.first_row[rid], values, where, summary)
    if (rid, hid) in out.runners:
        summary.repeated_rows += 1
        return
    out.runners[(rid, hid)] = {
        "race_id": rid, "horse_id": hid, "non_runner": "false",
        "finish_pos": "1" if row["WIN_RESULT"].strip() == "WINNER" else "",
        "dead_heat": "false", "status": "finished", "sp_decimal": row["WIN_BSP"],
        "horse_name": (row.get("SELECTION_NAME") or "").strip()}
    out.origin["runners"].append(where)
    summary.no_bsp_runners += not row["WIN_BSP"].strip()
    for price in _odds(row, rid, hid, *out.times[rid], summary):
        out.odds.append(price)
        out.origin["odds"].append(where)


def _race_conflict(first: tuple[str, ...], values: tuple[str, ...], where: Origin,
                   summary: ConversionSummary) -> None:
    differ = [name for name, a, b in zip(RACE_FIELDS, first, values, strict=True) if a != b]
    summary.race_conflicts.update(differ)
    if len(summary.conflict_examples) < SHOWN_CONFLICTS:
        summary.conflict_examples.append(f"{where[0]} line {where[1]} ({', '.join(differ)})")


def _jump(text: str, scheduled: datetime | None) -> datetime | None:
    """When the race actually jumped: ACTUAL_OFF_TIME on the scheduled off's day (a clock time
    only, so a race near midnight may have jumped on the day before or after)."""
    clock = parse_time(text)
    if scheduled is None or clock is None:
        return None
    actual = datetime.combine(scheduled.date(), clock, tzinfo=scheduled.tzinfo)
    if actual - scheduled < -timedelta(hours=12):
        actual += timedelta(days=1)
    elif actual - scheduled > timedelta(hours=12):
        actual -= timedelta(days=1)
    return actual


def _race(row: dict[str, str], rid: str, day: date | None, off: datetime | None,
          summary: ConversionSummary) -> dict[str, str]:
    distance = number_text(row["DISTANCE"])
    race_type = row["RACE_TYPE"].strip()
    if not distance:
        # One market has DISTANCE and RACE_TYPE blank; its name ("R2 1400 Hcap") has both.
        m = re.match(r"R\d+\s+(\d{3,4})m?\s+(\S+)", row["WIN_MARKET_NAME"].strip())
        if m:
            distance, race_type = m.group(1), race_type or m.group(2)
            summary.distance_from_name += 1
    state = row["STATE_CODE"].strip()
    return {"race_id": rid, "race_date": day.isoformat() if day else row["LOCAL_MEETING_DATE"],
            "off_time": off.isoformat() if off else "", "course": row["TRACK"].strip(),
            "country": "NZ" if state == "NZ" else "AU",
            "surface": "jumps" if race_type in JUMPS_TYPES else "turf",
            "distance_m": distance, "race_type": race_type,
            "handicap": "true" if race_type in HANDICAP_TYPES else "false"}


def _odds(row: dict[str, str], rid: str, hid: str, scheduled: datetime | None,
          jump: datetime | None, summary: ConversionSummary) -> list[dict[str, str]]:
    """Each price as its own source, stamped when it was known (docs/loading.md):
    betfair_back at the scheduled off (kept only when that was before the jump),
    betfair_vwap and betfair_bsp at the jump (the off), so no pre-off query sees them."""
    off = jump or scheduled
    if off is None or scheduled is None:
        return []
    base = {"race_id": rid, "horse_id": hid, "source_kind": "exchange"}
    prices: list[tuple[str, datetime, str, str]] = []
    back = row["BEST_AVAIL_BACK_AT_SCHEDULED_OFF"].strip()
    if back:
        if jump is not None and jump > scheduled:
            prices.append(("betfair_back", scheduled, back, row["WIN_PREPLAY_VOLUME"]))
        else:
            summary.back_dropped_not_before_jump += 1
    vwap = row["WIN_PREPLAY_WEIGHTED_AVERAGE_PRICE_TAKEN"].strip()
    if vwap:
        prices.append(("betfair_vwap", off, vwap, row["WIN_PREPLAY_VOLUME"]))
    bsp = row["WIN_BSP"].strip()
    if bsp:
        prices.append(("betfair_bsp", off, bsp, row.get("WIN_BSP_VOLUME", "")))
    return [{**base, "source": source, "observed_at": at.isoformat(), "decimal_odds": price,
             "volume": volume} for source, at, price, volume in prices]


def _write(path: Path, columns: Sequence[str], rows: object) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="raise")
        writer.writeheader()
        writer.writerows(rows)  # type: ignore[arg-type]


def load_betfair_anz(conn: psycopg.Connection, paths: Sequence[Path], *, strict: bool = False,
                     chunk_rows: int = DEFAULT_CHUNK_ROWS, progress: Progress | None = None
                     ) -> tuple[ConversionSummary, list[LoadReport]]:
    """Convert and load; stops after a file that did not commit (later ones would only be
    rejected for the missing races or runners)."""
    files = input_files(paths)
    with tempfile.TemporaryDirectory(prefix="hrdpg-betfair-") as tmp:
        summary, origins = convert(files, Path(tmp))
        reports = load_contract_files(conn, Path(tmp), "betfair-anz", strict=strict,
                                      chunk_rows=chunk_rows, progress=progress,
                                      origins=origins)
    return summary, reports
