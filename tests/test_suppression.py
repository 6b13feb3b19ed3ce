"""Small counts on dashboards: shown as "<5", and never recoverable from what is published.

The property tests play the reader: knowing every published number, that "<5" is
1–4 and "x" is 5 or more, and that every row and column adds up to its total,
they search all tables consistent with the page and require each hidden count
to have at least two possible values.
"""

import itertools

from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dashboards.suppression import (
    LEGEND,
    THRESHOLD,
    Cell,
    Mark,
    protect_series,
    protect_table,
    protect_tables,
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
        if cell.mark == Mark.WITHHELD:
            return value >= 0  # "–" says nothing but that it is a count
        return value >= THRESHOLD

    def domain(cell: Cell) -> range:
        if cell.mark == Mark.SMALL:
            return range(1, THRESHOLD)
        if cell.mark == Mark.WITHHELD:
            return range(0, cap + 1)
        return range(THRESHOLD, cap + 1)

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
        true = grid[position[0]][position[1]].value
        assert true in values, "the true table must fit"
        if true != 0:  # a zero worked out gives nothing away
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


def test_counts_that_hiding_cannot_protect_are_left_out_and_the_rest_is_shown() -> None:
    # Hiding alone cannot protect the top row: "<5" (1–4) and "x" (5 or more) would pin
    # its counts down. Those counts are left out ("–"), the rest of the table is shown.
    grid = protect_table([[2, 1, 1], [3, 0, 1]])
    texts = {cell.text for row in grid for cell in row}
    assert "–" in texts
    assert texts != {"–"}
    assert_nothing_recoverable(grid)


def test_a_row_of_ones_under_a_small_total_is_not_the_end_of_the_table() -> None:
    # Four ones and a total of four give every one away; the other rows are large enough.
    matrix = [[1, 1, 1, 1, 0], [9, 8, 7, 9, 6], [6, 7, 8, 9, 5]]
    grid = protect_table(matrix)
    assert [c.text for c in grid[1]][:4] != ["–"] * 4
    assert any(cell.shown and cell.value >= THRESHOLD for row in grid for cell in row)
    for row in grid:
        for cell in row:
            assert not (0 < cell.value < THRESHOLD and cell.shown)


def test_a_line_of_ones_under_a_small_total_leaves_out_only_what_it_must() -> None:
    cells, total = protect_series([1, 1, 1, 1, 0])
    assert [c.text for c in cells].count("–") == 1
    assert_nothing_recoverable([[*cells, total], [*cells, total]])


def test_a_share_is_hidden_where_it_would_give_a_small_count_away() -> None:
    assert share(Cell(10), Cell(40)) == 0.25
    assert share(Cell(3, Mark.SMALL), Cell(40)) is None
    assert share(Cell(38), Cell(40)) is None  # the other 2 would be known
    assert share(Cell(0), Cell(40)) == 0.0


def test_the_legend_explains_every_mark_a_count_may_show() -> None:
    with translation.override("en"):
        legend = str(LEGEND)
    assert all(f"{mark}:" in legend for mark in ("<5", "x", "–")), legend


def assert_nothing_recoverable_across_offices(
    offices: list[list[list[Cell]]], total: list[list[Cell]]
) -> None:
    """As assert_nothing_recoverable, for the tables of offices and the table of all of them
    read together: every value of each office's hidden inner counts is tried, and the
    margins and the table of all offices follow from them."""
    rows, columns = len(total) - 1, len(total[0]) - 1
    inner = [
        (o, r, c)
        for o, grid in enumerate(offices)
        for r in range(rows)
        for c in range(columns)
        if not grid[r][c].shown
    ]
    cap = max(grid[r][c].value for grid in offices for r in range(rows) for c in range(columns))
    cap += THRESHOLD

    def fits(cell: Cell, value: int) -> bool:
        if cell.mark == Mark.SHOWN:
            return value == cell.value
        if cell.mark == Mark.SMALL:
            return 0 < value < THRESHOLD
        if cell.mark == Mark.WITHHELD:
            return value >= 0
        return value >= THRESHOLD

    def domain(cell: Cell) -> range:
        if cell.mark == Mark.SMALL:
            return range(1, THRESHOLD)
        if cell.mark == Mark.WITHHELD:
            return range(0, cap + 1)
        return range(THRESHOLD, cap + 1)

    published = [*offices, total]
    seen: dict[tuple[int, int, int], set[int]] = {
        (t, r, c): set()
        for t, grid in enumerate(published)
        for r in range(rows + 1)
        for c in range(columns + 1)
        if not grid[r][c].shown
    }
    for choice in itertools.product(*(domain(offices[o][r][c]) for o, r, c in inner)):
        tables = [
            [[grid[r][c].value for c in range(columns)] for r in range(rows)] for grid in offices
        ]
        for (o, r, c), value in zip(inner, choice, strict=True):
            tables[o][r][c] = value
        fulls = []
        for table in tables:
            full = [[*row, sum(row)] for row in table]
            full.append([sum(row[c] for row in full) for c in range(columns + 1)])
            fulls.append(full)
        fulls.append(
            [[sum(f[r][c] for f in fulls) for c in range(columns + 1)] for r in range(rows + 1)]
        )
        if all(
            fits(published[t][r][c], fulls[t][r][c])
            for t in range(len(published))
            for r in range(rows + 1)
            for c in range(columns + 1)
        ):
            for t, r, c in seen:
                seen[(t, r, c)].add(fulls[t][r][c])
    for (t, r, c), values in seen.items():
        true = published[t][r][c].value
        assert true in values, "the true tables must fit"
        if true != 0:
            assert len(values) >= 2, (
                (t, r, c),
                [[[x.text for x in row] for row in g] for g in published],
            )


office_tables = st.integers(1, 2).flatmap(
    lambda rows: st.integers(1, 2).flatmap(
        lambda columns: st.lists(
            st.lists(
                st.lists(st.integers(0, 6), min_size=columns, max_size=columns),
                min_size=rows,
                max_size=rows,
            ),
            min_size=2,
            max_size=2,
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(matrices=office_tables)
def test_no_hidden_count_of_an_office_can_be_worked_out_from_the_table_of_all_offices(
    matrices: list[list[list[int]]],
) -> None:
    offices, total = protect_tables(matrices, with_total=True)
    assert total is not None
    for grid in [*offices, total]:
        for row in grid:
            for cell in row:
                assert not (0 < cell.value < THRESHOLD and cell.shown)
    hidden = sum(not cell.shown for grid in offices for row in grid[:-1] for cell in row[:-1])
    assume(hidden <= 5)  # the brute force tries every value of each hidden count
    assert_nothing_recoverable_across_offices(offices, total)


def test_a_count_hidden_for_one_office_is_hidden_in_the_table_of_all_offices_too() -> None:
    heimdal, sagene = [[3, 20], [30, 40]], [[20, 20], [30, 40]]
    offices, total = protect_tables([heimdal, sagene], with_total=True)
    assert total is not None
    assert offices[0][0][0].text == "<5"
    # Shown, 23 less Sagene's 20 would give Heimdal's 3 away.
    assert not total[0][0].shown
    assert not offices[1][0][0].shown or not total[0][0].shown
