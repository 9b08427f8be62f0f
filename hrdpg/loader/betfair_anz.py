"""Betfair ANZ thoroughbred files -> the contract's races / runners / odds CSVs -> load_file.

The mapping is documented in docs/loading.md. The converter only reshapes: anything it cannot
interpret (an unknown state, a date in a third format) is passed on blank or as is, so the
loader rejects it with a reason and a line, exactly as for any other file.
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
    back_dropped_early_jump: int = 0

    def render(self) -> str:
        return (f"betfair-anz: {self.rows_read} rows from {len(self.files)} file(s); "
                f"{self.repeated_rows} repeated rows dropped (extra place markets)\n"
                f"  -> {self.races} races, {self.runners} runners, {self.odds} odds rows; "
                f"{self.dead_heat_races} dead-heat races, {self.no_bsp_runners} runners "
                f"without BSP, {self.distance_from_name} distances read from the market name, "
                f"{self.back_dropped_early_jump} back prices dropped (race jumped before the "
                "scheduled off, so the 'at scheduled off' price was in-play)")


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


def convert(files: Sequence[Path], out_dir: Path) -> ConversionSummary:
    """Write races.csv, runners.csv and odds.csv for ``files`` into ``out_dir``."""
    summary = ConversionSummary(files=[str(f) for f in files])
    races: dict[str, dict[str, str]] = {}
    runners: dict[tuple[str, str], dict[str, str]] = {}
    odds: list[dict[str, str]] = []
    winners: dict[str, list[tuple[str, str]]] = {}
    for path in files:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in NEEDED if c not in (reader.fieldnames or [])]
            if missing:
                raise HrdpgError(f"{path}: not a Betfair ANZ file, missing {', '.join(missing)}")
            for row in reader:
                summary.rows_read += 1
                rid, hid = market_id(row["WIN_MARKET_ID"]), row["SELECTION_ID"].strip()
                if (rid, hid) in runners:
                    summary.repeated_rows += 1
                    continue
                day = parse_date(row["LOCAL_MEETING_DATE"])
                tz_name = STATE_TZ.get(row["STATE_CODE"].strip())
                zone = ZoneInfo(tz_name) if tz_name else None
                off = _local(day, parse_time(row["SCHEDULED_RACE_TIME"]), zone)
                if rid not in races:
                    races[rid] = _race(row, rid, day, off, summary)
                runners[(rid, hid)] = {
                    "race_id": rid, "horse_id": hid, "non_runner": "false",
                    "finish_pos": "1" if row["WIN_RESULT"].strip() == "WINNER" else "",
                    "dead_heat": "false", "status": "finished", "sp_decimal": row["WIN_BSP"],
                    "horse_name": (row.get("SELECTION_NAME") or "").strip()}
                if runners[(rid, hid)]["finish_pos"]:
                    winners.setdefault(rid, []).append((rid, hid))
                summary.no_bsp_runners += not row["WIN_BSP"].strip()
                odds += _odds(row, rid, hid, off, zone, summary)
    for keys in winners.values():
        if len(keys) > 1:
            summary.dead_heat_races += 1
            for key in keys:
                runners[key]["dead_heat"] = "true"
    field_size = Counter(rid for rid, _ in runners)
    for rid, race in races.items():
        race["declared_runners"] = str(field_size[rid])
    summary.races, summary.runners, summary.odds = len(races), len(runners), len(odds)
    _write(out_dir / "races.csv", RACE_COLS, races.values())
    _write(out_dir / "runners.csv", RUNNER_COLS, runners.values())
    _write(out_dir / "odds.csv", ODDS_COLS, odds)
    return summary


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


def _odds(row: dict[str, str], rid: str, hid: str, off: datetime | None, zone: ZoneInfo | None,
          summary: ConversionSummary) -> list[dict[str, str]]:
    """Pre-off prices only: the best back at the scheduled off and the pre-play VWAP."""
    out: list[dict[str, str]] = []
    if off is None:
        return out
    actual = _local(off.date(), parse_time(row["ACTUAL_OFF_TIME"]), zone)
    if actual is not None:
        # Only a clock time is given: a race near midnight may have jumped on the next day.
        if actual - off < -timedelta(hours=12):
            actual += timedelta(days=1)
        elif actual - off > timedelta(hours=12):
            actual -= timedelta(days=1)
    base = {"race_id": rid, "horse_id": hid, "source_kind": "exchange",
            "volume": row["WIN_PREPLAY_VOLUME"]}
    back = row["BEST_AVAIL_BACK_AT_SCHEDULED_OFF"].strip()
    if back:
        if actual is not None and actual <= off:
            summary.back_dropped_early_jump += 1
        else:
            out.append({**base, "source": "betfair_back", "observed_at": off.isoformat(),
                        "decimal_odds": back})
    vwap = row["WIN_PREPLAY_WEIGHTED_AVERAGE_PRICE_TAKEN"].strip()
    if vwap:
        # Averaged over trades up to the jump, so it is known only at the actual off.
        seen = actual if actual is not None else off
        out.append({**base, "source": "betfair_vwap", "observed_at": seen.isoformat(),
                    "decimal_odds": vwap})
    return out


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
        summary = convert(files, Path(tmp))
        reports = load_contract_files(conn, Path(tmp), "betfair-anz", strict=strict,
                                      chunk_rows=chunk_rows, progress=progress)
    return summary, reports
