"""What one file's load did, for people (render) and for code (the fields)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hrdpg.loader.upsert import ReasonCount


@dataclass
class LoadReport:
    file: str
    table: str
    load_id: int | None = None
    rows_in: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    reasons: list[ReasonCount] = field(default_factory=list)
    nulled: list[ReasonCount] = field(default_factory=list)  # fields set to NULL, row kept
    strict: bool = False
    committed: bool = False
    error: str | None = None
    timings_ms: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.committed and self.error is None

    def render(self) -> str:
        head = f"{self.file} -> racing.{self.table}"
        if self.load_id is not None:
            head += f" (load {self.load_id})"
        lines = [head, f"  rows {self.rows_in}: inserted {self.inserted}, updated "
                       f"{self.updated}, unchanged {self.unchanged}, rejected {self.rejected}"]
        for r in self.reasons:
            more = ", ..." if r.count > len(r.example_lines) else ""
            lines.append(f"    {r.count:>7}  {r.reason}  ({r.examples}{more})")
        for r in self.nulled:
            more = ", ..." if r.count > len(r.example_lines) else ""
            lines.append(f"    {r.count:>7}  nulled {r.reason}, row kept  ({r.examples}{more})")
        if self.nulled:
            lines.append(f"  nulled fields: modeling.load_nulled, load_id {self.load_id}")
        if self.error is not None:
            lines.append(f"  FAILED: {self.error}")
        elif self.rejected:
            lines.append(f"  rejected rows: modeling.load_rejects, load_id {self.load_id}")
        return "\n".join(lines)
