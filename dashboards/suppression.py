"""Small-count suppression: a count of 1–4 is never shown, nor can it be worked out.

Counts from 1 to 4 are shown as "<5" (primary suppression). Where counts add up
to a published total, a hidden count could be recovered by subtraction, so more
counts are hidden (secondary suppression, shown as "x") until no hidden count
can be pinned down by a reader who knows everything on the page: the visible
counts, every total, that "<5" is 1–4 and that "x" is 5 or more. Whether a
count can be pinned down is decided exactly: for a line of counts and its total
by a small constraint solver (protect_counts, which takes any set of sums, so
it can serve tables that share totals too), for a two-way table with its
margins by the cycle test (protect_table). A total that cannot be protected is
hidden itself.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

THRESHOLD = 5
# What a reader can say of an "x" count: at least the threshold, at most anything.
UNBOUNDED = 10**12


class Mark(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # 1–4: shown as "<5"
    HIDDEN = "hidden"  # hidden so that a small count cannot be worked out: shown as "x"
    # A table too sparse to protect any other way is not shown at all: every cell "–".
    WITHHELD = "withheld"


@dataclass(frozen=True)
class Cell:
    value: int
    mark: Mark = Mark.SHOWN

    @property
    def shown(self) -> bool:
        return self.mark == Mark.SHOWN

    @property
    def text(self) -> str:
        if self.mark == Mark.SMALL:
            return f"<{THRESHOLD}"
        if self.mark == Mark.HIDDEN:
            return "x"
        if self.mark == Mark.WITHHELD:
            return "–"
        return str(self.value)

    def __str__(self) -> str:
        return self.text


LEGEND = format_lazy(
    "{} {}",
    _(
        "<5: fewer than five. x: hidden so that a number below five cannot be worked out "
        "from the totals."
    ),
    # A withheld table, and the shares, medians and averages left out, show "–".
    _("–: nothing to show, or left out so that a number below five cannot be worked out."),
)


# Positions are indices into one flat list of counts. A sum: these counts add up to that one.
Sum = tuple[Sequence[int], int]
Bounds = dict[int, tuple[int, int]]


def _domain(mark: Mark) -> tuple[int, int]:
    return (1, THRESHOLD - 1) if mark == Mark.SMALL else (THRESHOLD, UNBOUNDED)


class _Reader:
    """Everything a reader of the page knows, and what it lets them conclude."""

    def __init__(self, values: Sequence[int], marks: Sequence[Mark], sums: Sequence[Sum]) -> None:
        self.values = values
        self.marks = marks
        # Each sum as terms (+1 for a part, -1 for the total) that add up to zero.
        self.equations = [[(1, p) for p in parts] + [(-1, total)] for parts, total in sums]

    def _propagate(self, bounds: Bounds) -> bool:
        """Narrow the hidden counts' bounds from every sum until nothing changes."""
        changed = True
        while changed:
            changed = False
            for terms in self.equations:
                constant = 0
                variables = []
                for sign, p in terms:
                    if p in bounds:
                        variables.append((sign, p))
                    else:
                        constant += sign * self.values[p]
                if not variables:
                    if constant != 0:
                        return False
                    continue
                low = constant + sum(
                    sign * bounds[p][0 if sign > 0 else 1] for sign, p in variables
                )
                high = constant + sum(
                    sign * bounds[p][1 if sign > 0 else 0] for sign, p in variables
                )
                if low > 0 or high < 0:
                    return False
                for sign, p in variables:
                    lo, hi = bounds[p]
                    rest_low = low - sign * (lo if sign > 0 else hi)
                    rest_high = high - sign * (hi if sign > 0 else lo)
                    # sign·x = −rest, so x lies within these:
                    new = (
                        (max(lo, -rest_high), min(hi, -rest_low))
                        if sign > 0
                        else (max(lo, rest_low), min(hi, rest_high))
                    )
                    if new[0] > new[1]:
                        return False
                    if new != (lo, hi):
                        bounds[p] = new
                        changed = True
        return True

    def _possible(self, bounds: Bounds) -> bool:
        """Whether some table fits these bounds; the search tries the true counts first,
        which fit everything but the bound under test, so it ends quickly."""
        bounds = dict(bounds)
        if not self._propagate(bounds):
            return False
        open_ = [p for p, (lo, hi) in bounds.items() if lo < hi]
        if not open_:
            return True
        p = min(open_, key=lambda q: bounds[q][1] - bounds[q][0])
        lo, hi = bounds[p]
        true = self.values[p]
        if lo <= true <= hi:
            choices = [(true, true), (lo, true - 1), (true + 1, hi)]
        else:
            middle = (lo + hi) // 2
            choices = [(lo, middle), (middle + 1, hi)]
        return any(a <= b and self._possible({**bounds, p: (a, b)}) for a, b in choices)

    def pinned(self) -> list[int]:
        """The hidden counts that only one value fits."""
        bounds = {p: _domain(m) for p, m in enumerate(self.marks) if m != Mark.SHOWN}
        if not self._propagate(bounds):  # pragma: no cover - the true counts always fit
            raise AssertionError("the published counts contradict each other")
        found = []
        for p, (lo, hi) in bounds.items():
            true = self.values[p]
            others = [(lo, true - 1), (true + 1, hi)]
            if not any(a <= b and self._possible({**bounds, p: (a, b)}) for a, b in others):
                found.append(p)
        return found


def _first_marks(values: Sequence[int], whole: Sequence[int] | None) -> list[Mark]:
    """Primary suppression. With `whole` (the same counts for everyone, where these are for
    a part, such as one programme's clients), a count is also hidden where the rest of the
    whole would be 1–4: the rest could otherwise be worked out by subtraction."""
    marks = [Mark.SMALL if 0 < v < THRESHOLD else Mark.SHOWN for v in values]
    if whole is not None:
        for i, (part, everyone) in enumerate(zip(values, whole, strict=True)):
            if marks[i] == Mark.SHOWN and 0 < everyone - part < THRESHOLD and part >= THRESHOLD:
                marks[i] = Mark.HIDDEN
    return marks


def protect_counts(
    values: Sequence[int], sums: Sequence[Sum], *, whole: Sequence[int] | None = None
) -> list[Cell]:
    """Mark counts (totals among them) so that no small count can be worked out."""
    marks = _first_marks(values, whole)
    totals = {total for _parts, total in sums}
    while pinned := _Reader(values, marks, sums).pinned():
        if not _hide_more(values, marks, sums, pinned, totals):
            # Everything that could be hidden is, and "<5" and "x" still give a count away.
            return [Cell(v, Mark.WITHHELD) for v in values]
    return [Cell(v, m) for v, m in zip(values, marks, strict=True)]


def _hide_more(
    values: Sequence[int],
    marks: list[Mark],
    sums: Sequence[Sum],
    pinned: list[int],
    totals: set[int],
) -> bool:
    """For each pinned count, hide the smallest visible count that shares a sum with it (or,
    where there is none, that sum's total). Returns whether anything was hidden."""
    hidden_any = False
    for target in pinned:
        for parts, total in sums:
            if target not in parts and target != total:
                continue
            if any(marks[p] == Mark.HIDDEN for p in parts) and hidden_any:
                break  # this sum got a hidden count in this round already: look again first
            candidates = sorted(
                (values[p], p in totals, p) for p in parts if marks[p] == Mark.SHOWN and values[p]
            )
            if candidates:
                marks[candidates[0][2]] = Mark.HIDDEN
                hidden_any = True
                break
            if marks[total] == Mark.SHOWN:
                marks[total] = Mark.HIDDEN
                hidden_any = True
                break
    return hidden_any


def protect_series(
    values: Sequence[int], *, whole: Sequence[int] | None = None
) -> tuple[list[Cell], Cell]:
    """One row of counts and their total."""
    cells = protect_counts(
        [*values, sum(values)],
        [(range(len(values)), len(values))],
        whole=[*whole, sum(whole)] if whole is not None else None,
    )
    return cells[:-1], cells[-1]


def protect_table(
    matrix: Sequence[Sequence[int]], *, whole: Sequence[Sequence[int]] | None = None
) -> list[list[Cell]]:
    """A two-way table with its row totals, column totals and grand total (the last row and
    column of the result).

    With every row and column summing to its total, a hidden count can take another
    value exactly when it lies on a cycle of hidden counts (row, column, row …) along
    which each count can move by one within what its mark allows; the tables of
    such sums are totally unimodular, so the cycle test is exact and fast.
    """
    grid = _with_totals(matrix)
    if whole is not None:
        everyone = _with_totals(whole)
        marks = [_first_marks(row, every) for row, every in zip(grid, everyone, strict=True)]
    else:
        marks = [_first_marks(row, None) for row in grid]
    pinned = _pinned_in_table(grid, marks)
    while pinned:
        newly_hidden = _hide_beside(grid, marks, pinned)
        if newly_hidden is None:
            # Everything that could be hidden is, and "<5" and "x" still give a count away.
            return [[Cell(v, Mark.WITHHELD) for v in row] for row in grid]
        # Hiding a count only adds to the cycles, so a count found free stays free: only
        # the pinned ones and the one just hidden are looked at again (in table order).
        pinned = _pinned_in_table(grid, marks, sorted({*pinned, newly_hidden}))
    return [
        [Cell(v, m) for v, m in zip(row, row_marks, strict=True)]
        for row, row_marks in zip(grid, marks, strict=True)
    ]


def _with_totals(matrix: Sequence[Sequence[int]]) -> list[list[int]]:
    columns = len(matrix[0]) if matrix else 0
    grid = [[*row, sum(row)] for row in matrix]
    grid.append([sum(row[c] for row in grid) for c in range(columns + 1)])
    return grid


def _pinned_in_table(
    grid: list[list[int]],
    marks: list[list[Mark]],
    candidates: Sequence[tuple[int, int]] | None = None,
) -> list[tuple[int, int]]:
    """The hidden counts (of `candidates`, or all) that the totals pin down, in table order."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1

    def sign(r: int, c: int) -> int:
        # Totals enter their sums with the opposite sign: then every row and column adds to 0.
        return -1 if (r == last_row) != (c == last_column) else 1

    def can_move(r: int, c: int, step: int) -> bool:
        """Whether the count can move by `step` in the signed table and keep its mark."""
        low, high = _domain(marks[r][c])
        return low <= grid[r][c] + sign(r, c) * step <= high

    hidden = [
        (r, c) for r, row in enumerate(marks) for c, mark in enumerate(row) if mark != Mark.SHOWN
    ]
    # The cycles run through hidden counts only: follow them by lists, not by scanning
    # every row and column (tables of all offices have hundreds of columns).
    rows_of_column: dict[int, list[int]] = defaultdict(list)
    columns_of_row: dict[int, list[int]] = defaultdict(list)
    for r, c in hidden:
        rows_of_column[c].append(r)
        columns_of_row[r].append(c)

    def on_a_cycle(start: tuple[int, int], step: int) -> bool:
        # From the start's column, alternate: a column goes to a row through a count that
        # can move by -step, a row to a column through one that can move by +step; the
        # start is free to move when its own row is reached.
        r0, c0 = start
        seen_columns, seen_rows = {c0}, set()
        frontier = [c0]
        while frontier:
            reached_rows = []
            for c in frontier:
                for r in rows_of_column[c]:
                    if (r, c) != start and r not in seen_rows and can_move(r, c, -step):
                        if r == r0:
                            return True
                        seen_rows.add(r)
                        reached_rows.append(r)
            frontier = []
            for r in reached_rows:
                for c in columns_of_row[r]:
                    if c not in seen_columns and can_move(r, c, step):
                        seen_columns.add(c)
                        frontier.append(c)
        return False

    return [
        p
        for p in (hidden if candidates is None else candidates)
        if not any(can_move(*p, step) and on_a_cycle(p, step) for step in (1, -1))
    ]


def _hide_beside(
    grid: list[list[int]], marks: list[list[Mark]], pinned: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """Hide the smallest visible count in the row or column of a pinned count (at equal
    values an inner count before a total); where their lines are all hidden already, the
    smallest anywhere. Returns where, or None where nothing is left to hide."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1

    def visible(cells: list[tuple[int, int]]) -> list[tuple[int, bool, int, int]]:
        return sorted(
            (grid[r][c], r == last_row or c == last_column, r, c)
            for r, c in cells
            if marks[r][c] == Mark.SHOWN and grid[r][c] > 0
        )

    everywhere = [(r, c) for r in range(last_row + 1) for c in range(last_column + 1)]
    for r0, c0 in pinned:
        beside = [(r0, c) for c in range(last_column + 1)] + [(r, c0) for r in range(last_row + 1)]
        if candidates := visible(beside):
            break
    else:
        candidates = visible(everywhere)
    if not candidates:
        return None
    _value, _total, r, c = candidates[0]
    marks[r][c] = Mark.HIDDEN
    return (r, c)


def share(part: Cell, whole: Cell) -> float | None:
    """A share is shown only where neither the part, nor the rest, nor the whole is hidden."""
    if not (part.shown and whole.shown) or whole.value == 0:
        return None
    rest = whole.value - part.value
    if 0 < rest < THRESHOLD:
        return None
    return part.value / whole.value
