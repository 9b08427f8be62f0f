"""Conditional-logit (race softmax) objective and metric for LightGBM.

The booster's raw score is a runner's log-strength; p = softmax of the scores within a race.
Targets are the winner indicators normalised to sum to 1 per race (a dead heat splits the win),
so the gradient is p - y and the diagonal Hessian p (1 - p) (McFadden's conditional logit).
Rows must be sorted so that each race is one contiguous block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
HESS_FLOOR = 1e-12


@dataclass(frozen=True)
class Races:
    """Contiguous race blocks of a sorted row set, with race-normalised targets."""

    starts: I64  # first row of each race
    index: I64  # race number of each row
    target: F64  # won / winners in race (0 for races without a winner)
    has_winner: npt.NDArray[np.bool_]  # per race

    @classmethod
    def from_rows(cls, race_id: I64, won: F64) -> Races:
        if race_id.size == 0:
            raise ValueError("no rows")
        change = np.flatnonzero(race_id[1:] != race_id[:-1]) + 1
        starts = np.concatenate([[0], change]).astype(np.int64)
        index = np.zeros(race_id.size, dtype=np.int64)
        index[change] = 1
        index = np.cumsum(index)
        if np.unique(race_id).size != starts.size:
            raise ValueError("rows are not grouped by race")
        winners = np.add.reduceat(won, starts)
        target = np.where(winners[index] > 0, won / np.maximum(winners[index], 1.0), 0.0)
        return cls(starts, index, target, winners > 0)

    @property
    def n(self) -> int:
        return int(self.starts.size)

    def log_softmax(self, score: F64) -> F64:
        top = np.maximum.reduceat(score, self.starts)
        shifted = score - top[self.index]
        total = np.add.reduceat(np.exp(shifted), self.starts)
        return np.asarray(shifted - np.log(total)[self.index], dtype=np.float64)

    def race_losses(self, log_p: F64) -> F64:
        """Per race with a winner: -sum y log p (the winner's log-probability)."""
        per_race = np.add.reduceat(self.target * log_p, self.starts)
        return np.asarray(-per_race[self.has_winner], dtype=np.float64)

    def log_loss(self, log_p: F64) -> float:
        """Mean over races with a winner of -sum y log p."""
        return float(self.race_losses(log_p).mean())

    def grad_hess(self, score: F64) -> tuple[F64, F64]:
        p = np.exp(self.log_softmax(score))
        live = self.has_winner[self.index]  # a race without a winner carries no information
        grad = np.where(live, p - self.target, 0.0)
        hess = np.where(live, np.maximum(p * (1.0 - p), HESS_FLOOR), HESS_FLOOR)
        return grad, hess
