"""A rich progress bar shared by long-running commands (quiet when not a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class ProgressFn(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None: ...


@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[ProgressFn]:
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield lambda stage, done, total: None
        return
    with Progress(TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
