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
from collections.abc import Hashable, Mapping, Sequence
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
    # Left out where hiding could not protect a count (or, where even that is not enough, the
    # whole table): shown as "–", which tells the reader only that it is 0 or more.
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
    if mark == Mark.SMALL:
        return (1, THRESHOLD - 1)
    if mark == Mark.WITHHELD:
        return (0, UNBOUNDED)
    return (THRESHOLD, UNBOUNDED)


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
            if true == 0:
                continue  # a zero worked out gives nothing away: it could have been shown
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
        else:
            # Nothing left to hide beside it: the count is left out, then its sums' totals.
            # One at a time: leaving one out may free the others.
            if hidden_any:
                break
            for p in [target, *(total for parts, total in sums if target in parts)]:
                if marks[p] != Mark.WITHHELD:
                    marks[p] = Mark.WITHHELD
                    return True
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
    return _protect_layers([grid], [marks], total=None)[0]


def protect_tables(
    matrices: Sequence[Sequence[Sequence[int]]], *, with_total: bool
) -> tuple[list[list[list[Cell]]], list[list[Cell]] | None]:
    """The same two-way table for each of several offices, and (`with_total`) the table of
    all of them, each with its margins, protected as one: the tables of the offices add up,
    count by count, to the table of all, so a count hidden in one could otherwise be worked
    out from the others.

    A hidden count is left hidden where it lies on a cycle (as in protect_table) that can
    move within its office's table and the same way within the table of all offices, the
    other offices unchanged: another set of tables then fits everything published. (This
    is enough, not always needed: it may hide a little more than an exact search would.)
    """
    grids = [_with_totals(matrix) for matrix in matrices]
    if with_total and grids:
        summed = [
            [sum(g[r][c] for g in grids) for c in range(len(grids[0][0]))]
            for r in range(len(grids[0]))
        ]
        grids.append(summed)
    marks = [[_first_marks(row, None) for row in grid] for grid in grids]
    protected = _protect_layers(grids, marks, total=len(grids) - 1 if with_total else None)
    if with_total:
        return protected[:-1], protected[-1]
    return protected, None


Position = tuple[int, int]
# A cell of one of the tables protected together: (table, (row, column)).
Place = tuple[int, Position]


def _protect_layers(
    grids: list[list[list[int]]], marks: list[list[list[Mark]]], *, total: int | None
) -> list[list[list[Cell]]]:
    """Hide (and where that is not enough, leave out) counts until none is pinned down.
    `total` is the index of the table that the others add up to, if one is shown."""

    def pinned_among(candidates: Sequence[Place] | None) -> list[Place]:
        found: list[Place] = []
        for t, grid in enumerate(grids):
            chosen = (
                None if candidates is None else sorted({p for table, p in candidates if table == t})
            )
            if chosen == []:
                continue
            if total is None:
                found += [(t, p) for p in _pinned_in_table([(grid, marks[t], 1)], chosen)]
            elif t != total:
                # The office's count moves with the same count of all offices, or against
                # the same count of another office (then the total stays as it is).
                layers = [(grid, marks[t], 1), (grids[total], marks[total], 1)]
                stuck = _pinned_in_table(layers, chosen)
                tried = 0
                for o in range(len(grids)):
                    if not stuck or tried == PARTNERS_TRIED:
                        break
                    hidden_in_o = [p for p in stuck if marks[o][p[0]][p[1]] != Mark.SHOWN]
                    if o not in (t, total) and hidden_in_o:
                        tried += 1
                        layers = [(grid, marks[t], 1), (grids[o], marks[o], -1)]
                        still = set(_pinned_in_table(layers, hidden_in_o))
                        stuck = [p for p in stuck if p not in hidden_in_o or p in still]
                found += [(t, p) for p in stuck]
            else:
                # The total's count moves with the same count of one office (any will do).
                stuck = _pinned_in_table([(grid, marks[t], 1)], chosen, only_hidden=True)
                free: set[Position] = set()
                for o in range(len(grids)):
                    hidden_in_o = [
                        p for p in stuck if p not in free and marks[o][p[0]][p[1]] != Mark.SHOWN
                    ]
                    if o != total and hidden_in_o:
                        layers = [(grid, marks[t], 1), (grids[o], marks[o], 1)]
                        free |= set(hidden_in_o) - set(_pinned_in_table(layers, hidden_in_o))
                found += [(t, p) for p in stuck if p not in free]
        return found

    pinned = pinned_among(None)
    while pinned:
        changed = _hide_for(grids, marks, pinned, total)
        if changed is None:
            # Everything is left out, and yet (which cannot happen) a count is given away.
            return [[[Cell(v, Mark.WITHHELD) for v in row] for row in grid] for grid in grids]
        # Hiding a count only adds to the cycles, so a count found free stays free: only
        # the pinned ones and the one just changed are looked at again.
        pinned = pinned_among(sorted({*pinned, *changed}))
    return [
        [
            [Cell(v, m) for v, m in zip(row, row_marks, strict=True)]
            for row, row_marks in zip(grid, grid_marks, strict=True)
        ]
        for grid, grid_marks in zip(grids, marks, strict=True)
    ]


def _with_totals(matrix: Sequence[Sequence[int]]) -> list[list[int]]:
    columns = len(matrix[0]) if matrix else 0
    grid = [[*row, sum(row)] for row in matrix]
    grid.append([sum(row[c] for row in grid) for c in range(columns + 1)])
    return grid


# A table, its marks, and which way its counts move (1: as the first table's, -1: against).
Layer = tuple[list[list[int]], list[list[Mark]], int]
# How many other offices are tried for a cycle against an office's own (enough is enough:
# a count not found free is only hidden a little more than it must be).
PARTNERS_TRIED = 3


def _pinned_in_table(
    layers: Sequence[Layer],
    candidates: Sequence[Position] | None = None,
    *,
    only_hidden: bool = False,
) -> list[Position]:
    """The hidden counts of the first table (of `candidates`, or all) that the totals pin
    down, in table order: those on no cycle of counts hidden in every table given, along
    which each can move by one, in every table at once. A zero is never pinned: worked
    out, it gives nothing away. (`only_hidden`: the first table's hidden counts, whether
    the others have them hidden or not, for a caller that looks at them pair by pair.)"""
    grid, first_marks, _way = layers[0]
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1

    def sign(r: int, c: int) -> int:
        # Totals enter their sums with the opposite sign: then every row and column adds to 0.
        return -1 if (r == last_row) != (c == last_column) else 1

    def can_move(r: int, c: int, step: int) -> bool:
        """Whether the count can move by `step` in the signed tables and keep its marks."""
        for values, marks, way in layers:
            low, high = _domain(marks[r][c])
            moved = values[r][c] + sign(r, c) * step * way
            if marks[r][c] == Mark.SHOWN or not low <= moved <= high:
                return False
        return True

    hidden = [
        (r, c)
        for r, row in enumerate(first_marks)
        for c, mark in enumerate(row)
        if mark != Mark.SHOWN and grid[r][c] != 0
    ]
    if only_hidden:
        return hidden if candidates is None else [p for p in candidates if p in set(hidden)]
    # The cycles run through hidden counts only: follow them by lists, not by scanning
    # every row and column (tables of all offices have hundreds of columns).
    rows_of_column: dict[int, list[int]] = defaultdict(list)
    columns_of_row: dict[int, list[int]] = defaultdict(list)
    for r, row in enumerate(first_marks):
        for c, _mark in enumerate(row):
            if all(marks[r][c] != Mark.SHOWN for _values, marks, _way in layers):
                rows_of_column[c].append(r)
                columns_of_row[r].append(c)

    def on_a_cycle(start: Position, step: int) -> bool:
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

    looked_at = hidden if candidates is None else [p for p in candidates if p in set(hidden)]
    return [
        p
        for p in looked_at
        if not any(can_move(*p, step) and on_a_cycle(p, step) for step in (1, -1))
    ]


class _Linked:
    """Tables that add up (each office's and, at `total`, all offices'), and the marks of
    their counts, with the ways `_hide_for` has to hide more counts for a pinned one. Each
    way marks one count (or none) and returns what it changed."""

    def __init__(
        self, grids: list[list[list[int]]], marks: list[list[list[Mark]]], total: int | None
    ) -> None:
        self.grids, self.marks, self.total = grids, marks, total
        self.offices = [t for t in range(len(grids)) if t != total]

    def partners(self, t: int) -> list[int]:
        if self.total is None:
            return []
        return self.offices if t == self.total else [self.total]

    def beside(self, t: int, r0: int, c0: int) -> list[Position]:
        last_row, last_column = len(self.grids[t]) - 1, len(self.grids[t][0]) - 1
        return [(r0, c) for c in range(last_column + 1)] + [(r, c0) for r in range(last_row + 1)]

    def smallest_visible(self, t: int, cells: list[Position]) -> Position | None:
        grid = self.grids[t]
        last_row, last_column = len(grid) - 1, len(grid[0]) - 1
        visible = sorted(
            (grid[r][c], r == last_row or c == last_column, r, c)
            for r, c in cells
            if self.marks[t][r][c] == Mark.SHOWN and grid[r][c] > 0
        )
        return (visible[0][2], visible[0][3]) if visible else None

    def set_mark(self, t: int, p: Position, mark: Mark) -> list[Place]:
        self.marks[t][p[0]][p[1]] = mark
        return [(t, p)]

    def same_count(self, t: int, p: Position) -> list[Place] | None:
        # For an office, the same count of another office first (the smallest): the total
        # of all offices is the one most worth showing.
        others = [o for o in self.offices if o != t] if t != self.total else []
        for candidates in (others, self.partners(t)):
            shown = sorted(
                (self.grids[o][p[0]][p[1]], o)
                for o in candidates
                if self.marks[o][p[0]][p[1]] == Mark.SHOWN and self.grids[o][p[0]][p[1]] > 0
            )
            if shown:
                return self.set_mark(shown[0][1], p, Mark.HIDDEN)
        return None

    def next_to(self, t: int, p: Position) -> list[Place] | None:
        # In its own table: beside the count in the total of all offices would hide counts
        # there, and each hidden count of the total needs a cycle there of its own.
        if (q := self.smallest_visible(t, self.beside(t, *p))) is not None:
            return self.set_mark(t, q, Mark.HIDDEN)
        return None

    def left_out(self, t: int, p: Position) -> list[Place] | None:
        for o in [t, *self.partners(t)]:
            if self.marks[o][p[0]][p[1]] != Mark.WITHHELD and self.grids[o][p[0]][p[1]] > 0:
                return self.set_mark(o, p, Mark.WITHHELD)
        for o in [t, *self.partners(t)]:
            for q in self.beside(o, *p):
                if self.marks[o][q[0]][q[1]] != Mark.WITHHELD:
                    return self.set_mark(o, q, Mark.WITHHELD)
        return None

    def anywhere(self, t: int, _p: Position) -> list[Place] | None:
        for o in [t, *self.partners(t)]:
            grid = self.grids[o]
            cells = [(r, c) for r in range(len(grid)) for c in range(len(grid[0]))]
            if (q := self.smallest_visible(o, cells)) is not None:
                return self.set_mark(o, q, Mark.HIDDEN)
        return None


def _hide_for(
    grids: list[list[list[int]]],
    marks: list[list[list[Mark]]],
    pinned: list[Place],
    total: int | None,
) -> list[Place] | None:
    """Hide more counts for the pinned counts, in this order: the
    same count in the table(s) it adds up with, where shown; the smallest visible count in
    its row or column (at equal values an inner count before a total), first in its own
    table, then in those it adds up with; then the smallest visible count anywhere. Where
    nothing is left to hide, the pinned count is left out, then its partners, then the
    counts beside it. Returns what changed, or None where nothing is left to do."""
    tables = _Linked(grids, marks, total)
    # One change for each pinned count whose row and column nothing changed in yet (a
    # round at a time: tables of hundreds of offices pin hundreds of counts at first);
    # leaving out, and hiding far away, only where nothing nearer helps any of them.
    changed: list[Place] = []
    lines: set[tuple[int, str, int]] = set()
    for t, p in pinned:
        if {(t, "row", p[0]), (t, "column", p[1])} & lines:
            continue
        for step in (tables.same_count, tables.next_to):
            if (change := step(t, p)) is not None:
                changed += change
                lines |= {(t, "row", p[0]), (t, "column", p[1])}
                lines |= {(o, "row", q[0]) for o, q in change}
                lines |= {(o, "column", q[1]) for o, q in change}
                break
    if changed:
        return changed
    for last_resort in (tables.left_out, tables.anywhere):
        for t, p in pinned:
            if (change := last_resort(t, p)) is not None:
                return change
    return None


def share(part: Cell, whole: Cell) -> float | None:
    """A share is shown only where neither the part, nor the rest, nor the whole is hidden."""
    if not (part.shown and whole.shown) or whole.value == 0:
        return None
    rest = whole.value - part.value
    if 0 < rest < THRESHOLD:
        return None
    return part.value / whole.value


def protect_averages(
    groups: Sequence[frozenset[Hashable]],
    counts: Mapping[Hashable, int],
    eligible: Sequence[bool],
    *,
    published: Sequence[frozenset[Hashable]] = (),
) -> list[bool]:
    """Which of the averages over `groups` may be shown, so that no average of fewer than
    THRESHOLD can be worked out from them.

    A group is a set of parts (an office's families, those of a programme and the rest),
    `counts` how many are in each part. A reader who knows the shown averages and how
    many each is over knows their sums, and so the sum over any set that adds and takes
    those groups away from one another (all offices less one of them, an office less
    its programme). Parts that every shown group (and every one of `published`, shown
    elsewhere to the same reader) takes in alike cannot be told apart: each such block
    of parts must hold no one or at least THRESHOLD; then so does every set worked out.
    Averages are dropped (of groups that take in such a block, the smallest first) until
    that holds. `published` must hold it on its own (it is what this function gave for
    the other page).
    """
    shown = [
        ok and sum(counts.get(p, 0) for p in g) >= THRESHOLD
        for g, ok in zip(groups, eligible, strict=True)
    ]
    parts = {p for g in [*groups, *published] for p in g}
    while True:
        known = [g for g, s in zip(groups, shown, strict=True) if s] + list(published)
        blocks: dict[tuple[bool, ...], int] = defaultdict(int)
        members: dict[tuple[bool, ...], list[Hashable]] = defaultdict(list)
        for p in parts:
            signature = tuple(p in g for g in known)
            blocks[signature] += counts.get(p, 0)
            members[signature].append(p)
        small = [s for s, n in blocks.items() if any(s) and 0 < n < THRESHOLD]
        if not small:
            return shown
        block = set(members[small[0]])
        droppable = sorted(
            (not (block & groups[i]), sum(counts.get(p, 0) for p in groups[i]), i)
            for i, s in enumerate(shown)
            if s
        )
        if not droppable:  # pragma: no cover - `published` protects itself
            raise AssertionError("the averages shown elsewhere give a small group away")
        shown[droppable[0][2]] = False
