"""Small counts on dashboards: shown as "<5", and never recoverable from what is published.

The property tests play the reader: knowing every published number, that "<5" is
1–4 and "x" is 5 or more, and that every row and column adds up to its total,
they search all tables consistent with the page and require each hidden count
to have at least two possible values.
"""

import itertools

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.suppression import (
    LEGEND,
    THRESHOLD,
    Cell,
    Mark,
    protect_series,
    protect_table,
    share,
)


def unknowns_and_lines(
    grid: list[list[Cell]],
) -> tuple[list[tuple[int, int]], list[list[tuple[int, int]]]]:
    rows, columns = len(grid) - 1, len(grid[0]) - 1
    unknown = [(r, c) for r in range(rows + 1) for c in range(columns + 1) if not grid[r][c].shown]
    # Every line of the extended grid, its total last.
    lines = [[(r, c) for c in range(columns + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(columns + 1)]
    return unknown, lines


def assert_nothing_recoverable(grid: list[list[Cell]]) -> None:
    """Each hidden cell can take two values in tables that agree with everything published.

    Brute force, independent of the solver that does the suppression: every value
    of the hidden inner cells is tried (the totals follow from them), and a table
    is kept when each total is what the page shows, or fits its mark. Hidden cells
    are capped a little above the largest inner count; a real reader has no cap, so
    the cap only makes this stricter.
    """
    if all(cell.mark == Mark.WITHHELD for row in grid for cell in row):
        return  # the table is not shown at all
    rows, columns = len(grid) - 1, len(grid[0]) - 1
    inner = [(r, c) for r in range(rows) for c in range(columns) if not grid[r][c].shown]
    cap = max(grid[r][c].value for r in range(rows) for c in range(columns)) + THRESHOLD

    def fits(cell: Cell, value: int) -> bool:
        if cell.mark == Mark.SHOWN:
            return value == cell.value
        if cell.mark == Mark.SMALL:
            return 0 < value < THRESHOLD
        return value >= THRESHOLD

    def domain(cell: Cell) -> range:
        return range(1, THRESHOLD) if cell.mark == Mark.SMALL else range(THRESHOLD, cap + 1)

    seen: dict[tuple[int, int], set[int]] = {
        (r, c): set() for r in range(rows + 1) for c in range(columns + 1) if not grid[r][c].shown
    }
    for choice in itertools.product(*(domain(grid[r][c]) for r, c in inner)):
        table = [[grid[r][c].value for c in range(columns)] for r in range(rows)]
        for (r, c), value in zip(inner, choice, strict=True):
            table[r][c] = value
        full = [[*row, sum(row)] for row in table]
        full.append([sum(row[c] for row in full) for c in range(columns + 1)])
        if all(fits(grid[r][c], full[r][c]) for r in range(rows + 1) for c in range(columns + 1)):
            for position in seen:
                seen[position].add(full[position[0]][position[1]])
    for position, values in seen.items():
        assert grid[position[0]][position[1]].value in values, "the true table must fit"
        assert len(values) >= 2, (position, [[c.text for c in row] for row in grid])


small_tables = st.integers(1, 2).flatmap(
    lambda rows: st.integers(1, 3).flatmap(
        lambda columns: st.lists(
            st.lists(st.integers(0, 6), min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=200, deadline=None)
@given(matrix=small_tables)
def test_no_hidden_count_can_be_worked_out_from_the_totals(matrix: list[list[int]]) -> None:
    grid = protect_table(matrix)
    for row in grid:
        for cell in row:
            assert not (0 < cell.value < THRESHOLD and cell.shown)
    assert_nothing_recoverable(grid)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.integers(0, 12), min_size=1, max_size=5))
def test_a_monthly_series_and_its_total_hide_every_small_month(values: list[int]) -> None:
    cells, total = protect_series(values)
    assert total is not None
    for cell in cells:
        assert not (0 < cell.value < THRESHOLD and cell.shown)
    # A series is a one-row table whose column totals are the months themselves.
    assert_nothing_recoverable([[*cells, total], [*cells, total]])


def test_counts_one_to_four_are_shown_as_less_than_five() -> None:
    cells, total = protect_series([12, 3, 0, 8])
    assert [c.text for c in cells] == ["12", "<5", "0", "x"]
    assert total is not None
    assert total.text == "23"


def test_a_lone_small_count_with_only_zeros_beside_it_hides_the_total() -> None:
    cells, total = protect_series([0, 2, 0])
    assert [c.text for c in cells] == ["0", "<5", "0"]
    assert total is not None
    assert total.text == "<5"
    cells, total = protect_series([0, 2, 7])
    assert [c.text for c in cells] == ["0", "<5", "x"]
    assert total is not None
    # 7 is hidden too: from 9 = "<5" + "x" the 2 could be 1, 2, 3 or 4.
    assert total.text == "9"


def test_a_table_that_cannot_be_protected_is_withheld() -> None:
    # Every count is hidden, yet "<5" (1–4) and "x" (5 or more) would pin them all down.
    grid = protect_table([[2, 1, 1], [3, 0, 1]])
    assert {cell.text for row in grid for cell in row} == {"–"}


def test_a_share_is_hidden_where_it_would_give_a_small_count_away() -> None:
    assert share(Cell(10), Cell(40)) == 0.25
    assert share(Cell(3, Mark.SMALL), Cell(40)) is None
    assert share(Cell(38), Cell(40)) is None  # the other 2 would be known
    assert share(Cell(0), Cell(40)) == 0.0


def test_the_legend_explains_every_mark_a_count_may_show() -> None:
    with translation.override("en"):
        legend = str(LEGEND)
    assert all(f"{mark}:" in legend for mark in ("<5", "x", "–")), legend
