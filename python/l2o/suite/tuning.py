"""The learning-rate search of the tuned baselines: a half-decade grid, extended at the edges.

Each learning rate is scored by the mean final loss over the tuning seeds (a diverged tuning run
scores +inf: a rate that diverges on a tuning seed is not chosen). If the best rate is the grid's
smallest or largest, the grid grows by one half-decade on that side and the search continues, so
that the chosen rate always has a worse neighbour on both sides (up to MAX_EXTENSIONS per side).
"""
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List

from .optimizers import lr_of

MAX_EXTENSIONS = 6        # per side: three decades beyond the initial grid
EXPONENT_RANGE = (-16, 4)  # never below 1e-8 nor above 100


@dataclass
class TuneResult:
    best: int                          # exponent e of the chosen lr = 10^(e/2)
    scores: Dict[int, float]           # e -> mean final loss over the tuning seeds (inf: diverged)
    initial: List[int]                 # the initial grid
    notes: List[str] = field(default_factory=list)  # one line per extension, and an edge left unresolved

    @property
    def lr(self):
        return lr_of(self.best)

    @property
    def grid(self):
        return sorted(self.scores)

    @property
    def at_edge(self):
        return self.best in (self.grid[0], self.grid[-1])


def _best(scores):
    # Ties (e.g. every rate diverged) go to the smaller learning rate, the safer choice.
    return min(scores, key=lambda e: (scores[e], e))


def tune(lo, hi, score: Callable[[int], float], max_extensions=MAX_EXTENSIONS, on_note=None):
    """Search exponents lo..hi with `score(e)`, extending past an edge that holds the best;
    `on_note(text)` hears of each extension as it happens."""
    scores = {e: score(e) for e in range(lo, hi + 1)}
    result = TuneResult(best=_best(scores), scores=scores, initial=list(range(lo, hi + 1)))
    grown = {-1: 0, 1: 0}

    def note(text):
        result.notes.append(text)
        if on_note is not None:
            on_note(text)
    while True:
        best, grid = _best(scores), sorted(scores)
        side = -1 if best == grid[0] else 1 if best == grid[-1] else 0
        if side == 0:
            break
        nxt = best + side
        edge = "low" if side < 0 else "high"
        if grown[side] >= max_extensions or not EXPONENT_RANGE[0] <= nxt <= EXPONENT_RANGE[1]:
            note(f"best lr {lr_of(best):.3g} is still at the {edge} edge after {grown[side]} extensions; "
                 "not extended further")
            break
        grown[side] += 1
        note(f"best lr {lr_of(best):.3g} was at the {edge} edge of the grid; extended it to {lr_of(nxt):.3g}")
        scores[nxt] = score(nxt)
    result.best = _best(scores)
    return result


def mean_or_inf(values):
    """A grid point's score from its tuning runs' final losses (None: diverged)."""
    if not values or any(v is None or not math.isfinite(v) for v in values):
        return math.inf
    return sum(values) / len(values)
