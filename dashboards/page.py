"""The dashboard as the manager sees it: every table protected across all their offices.

Each table is counted for every office the user may see, whatever office is
chosen, and protected as one table of rows × offices with its totals: the page
for one office shows that office's column of it. So the page for one office and
the page for all offices agree cell for cell, and one cannot be subtracted from
the other to find a hidden count. Where a programme is chosen, each count is
also protected against the same count for all clients: a count whose rest (the
clients outside the programme) would be 1–4 is hidden, so the rest cannot be
worked out either. Where counts are parts of a published whole (clients in
activity and not, on assistance for long and not, children by school
situation), the parts are one table whose totals are the whole. The table of
interventions by type and outcome is one table per office, protected together with
the table of all offices (suppression.protect_tables); the average change in quality
of life is shown per office and for all offices where no average of fewer than five
families can be worked out from the others (suppression.protect_averages).
The downloads are made from the same tables, so they show exactly what the page shows.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards import charts, snapshots
from dashboards.figures import (
    ACTIVITY_KINDS,
    SITUATIONS,
    Breakdown,
    Figures,
    PerOffice,
    Scope,
)
from dashboards.suppression import (
    LEGEND,
    THRESHOLD,
    Cell,
    protect_averages,
    protect_series,
    protect_table,
    protect_tables,
    share,
)


@dataclass
class Row:
    label: str
    cells: Sequence[Cell | str]
    # Where the reader may open the list of these clients (person-level roles only).
    links: list[str] = field(default_factory=list)

    @property
    def pairs(self) -> list[tuple[Cell | str, str]]:
        links = [*self.links, *[""] * (len(self.cells) - len(self.links))]
        return list(zip(self.cells, links, strict=True))


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[Row]
    note: str = ""  # whose counts these are, where it is not the chosen office
    empty: str = ""  # why there are no rows, where it is not that nothing happened
    chart: charts.BarChart | None = None  # drawn above the table, from its rows

    def as_rows(self) -> list[list[str]]:
        """The table as text, for downloads: exactly what the page shows."""
        return [self.headers] + [[r.label, *(str(c) for c in r.cells)] for r in self.rows]


@dataclass
class Dashboard:
    scope: Scope
    key_figures: Table
    tables: list[Table]
    trend: charts.LineChart
    # When the figures were counted, where that was not on this visit (dashboards.snapshots).
    counted_at: datetime.datetime | None = None

    def table(self, slug: str) -> Table | None:
        return next((t for t in [self.key_figures, *self.tables] if t.slug == slug), None)


class Protected:
    """Counts of rows × offices, protected together: a cell per office and the total."""

    def __init__(
        self,
        rows: Sequence[Any],
        counts: Breakdown,
        whole: Breakdown | None,
        office_ids: Sequence[int],
        *,
        rows_add_up: bool,
    ) -> None:
        def matrix(source: Breakdown) -> list[list[int]]:
            return [[source.get(r, {}).get(o, 0) for o in office_ids] for r in rows]

        self.rows = list(rows)
        self.index = {row: i for i, row in enumerate(self.rows)}
        values = matrix(counts)
        everyone = matrix(whole) if whole is not None else None
        if rows_add_up and rows:
            # The rows are parts of one whole per office: a two-way table with its totals.
            grid = protect_table(values, whole=everyone)
            self.cells = [list(row) for row in grid[:-1]]
            self.totals: list[Cell] | None = list(grid[-1])
        else:
            # Each row stands alone (a client may be counted in several): one line per row.
            self.cells = []
            for i, row in enumerate(values):
                cells, total = protect_series(row, whole=everyone[i] if everyone else None)
                self.cells.append([*cells, total])
            self.totals = None

    def row(self, key: Any) -> list[Cell]:
        return self.cells[self.index[key]]


def _line(values: PerOffice, whole: PerOffice | None, office_ids: Sequence[int]) -> list[Cell]:
    """A figure per office and its total, protected."""
    cells, total = protect_series(
        [values.get(o, 0) for o in office_ids],
        whole=[whole.get(o, 0) for o in office_ids] if whole is not None else None,
    )
    return [*cells, total]


def _format_share(value: float | None) -> str:
    return "–" if value is None else f"{number_format(100 * value, 0)} %"


def _format_number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else number_format(value, digits)


def figures_for(scope: Scope) -> list[snapshots.Counted]:
    """The figures of the scope, and with a programme those of all clients beside them."""
    counted = [snapshots.figures_of(scope)]
    if scope.programme is not None:
        # All clients of the same offices and period: the dashboard without a programme.
        counted.append(snapshots.figures_of(replace(scope, programme=None)))
    return counted


def rendered(
    scope: Scope, *, chosen: Sequence[int], drill_down_offices: Sequence[int], query: str
) -> SafeString:
    """The dashboard's tables and charts as HTML, rendered once per way of showing figures
    that were kept (dashboards.snapshots.page_of)."""
    counted = figures_for(scope)

    def render() -> str:
        dashboard = build(
            scope, chosen=chosen, drill_down_offices=drill_down_offices, counted=counted
        )
        return render_to_string(
            "dashboards/_body.html", {"dashboard": dashboard, "legend": LEGEND, "query": query}
        )

    # What differs between pages of the same figures: the offices shown, the ones among
    # them with a drill-down link, and the choice the download links repeat.
    links = sorted(set(drill_down_offices) & set(scope.office_ids))
    variant = f"{sorted(chosen)}|{links}|{query}"
    # Our own template's output, escaped as it was rendered.
    return mark_safe(snapshots.page_of(counted, variant, render))  # noqa: S308


# The rows of the tables of parts, by key, and how they are named. Lazy: the words are
# those of the language of the request that builds the page.
ACTIVITY_LABELS = {
    "work": gettext_lazy("Work-oriented activity"),
    "education": gettext_lazy("Education or Norwegian training"),
    "kvp": gettext_lazy("Qualification programme (KVP)"),
    "other": gettext_lazy("Other intervention"),
}
SITUATION_LABELS = {
    "in_school": gettext_lazy("In school"),
    "completed": gettext_lazy("Completed upper secondary"),
    "dropped_out": gettext_lazy("Dropped out of upper secondary"),
    "not_in_school": gettext_lazy("Not in school"),
    "unknown": gettext_lazy("School situation not recorded"),
}
GOAL_LABELS = {
    "set": gettext_lazy("Goals set in the period"),
    "achieved": gettext_lazy("Goals achieved in the period"),
    "closed": gettext_lazy("Goals closed without being achieved"),
}
GOALS = list(GOAL_LABELS)


@dataclass(frozen=True)
class Columns:
    """Which columns of the protected tables the page shows: the chosen offices (indexes
    into the scope's offices), and the total (index len(office_ids)) where there are several."""

    office_ids: Sequence[int]
    shown: list[int]
    names: list[str]  # of the offices shown
    with_total: bool

    @classmethod
    def of(cls, scope: Scope, chosen: Sequence[int] | None) -> "Columns":
        shown = [i for i, o in enumerate(scope.office_ids) if chosen is None or o in chosen]
        names = [scope.offices[i].name for i in shown]
        return cls(scope.office_ids, shown, names, with_total=len(shown) > 1)

    @property
    def all(self) -> list[int]:
        return self.shown + ([len(self.office_ids)] if self.with_total else [])

    @property
    def chosen(self) -> int:
        """The one column of the tables below the key figures: the chosen office's, or the
        total of all offices."""
        return self.all[-1] if self.with_total else self.all[0]

    @property
    def note(self) -> str:
        return _("All offices") if self.with_total else self.names[0]

    def pick(self, cells: Sequence[Cell]) -> list[Cell | str]:
        return [cells[c] for c in self.all]


@dataclass(frozen=True)
class Counts:
    """The scope's figures protected as tables of rows × offices (see Protected), each once
    for the whole page."""

    data: Figures
    whole: Figures | None  # all clients beside a programme's
    empty: list[Cell]  # the totals of a table without rows
    followed: list[Cell]
    in_activity: list[Cell]
    activity: Protected
    contacts: Protected
    assistance_months: Protected
    assistance: Protected
    caseworker_keys: list[int | None]
    caseload: Protected
    reasons: Protected
    youth: Protected
    goals: Protected
    overdue: list[Cell]
    transitions: list[Cell]
    episodes: list[Cell]

    def totals(self, table: Protected) -> list[Cell]:
        return table.totals or self.empty


def _protected(
    data: Figures,
    whole: Figures | None,
    office_ids: Sequence[int],
    name: str,
    rows: Sequence[Any],
    *,
    rows_add_up: bool,
) -> Protected:
    """The breakdown `name` of the figures, protected (against all clients' beside a programme)."""
    counts: Breakdown = getattr(data, name)
    whole_counts = getattr(whole, name) if whole else None
    return Protected(rows, counts, whole_counts, office_ids, rows_add_up=rows_add_up)


def _protected_line(
    data: Figures, whole: Figures | None, office_ids: Sequence[int], name: str
) -> list[Cell]:
    """The figure `name` per office and its total, protected."""
    return _line(data.lines[name], whole.lines[name] if whole else None, office_ids)


def _counts(
    data: Figures, whole: Figures | None, office_ids: Sequence[int], months: Sequence[Any]
) -> Counts:
    protected = partial(_protected, data, whole, office_ids)
    line = partial(_protected_line, data, whole, office_ids)
    # Followed clients, split into those in activity and the rest: the parts of one whole.
    followed_split = Protected(
        ["in", "out"],
        _split(data.lines["in_activity"], data.lines["followed"]),
        _split(whole.lines["in_activity"], whole.lines["followed"]) if whole else None,
        office_ids,
        rows_add_up=True,
    )
    assert followed_split.totals is not None
    caseworker_keys = sorted(data.caseworkers, key=lambda k: (k is None, data.caseworkers[k]))
    return Counts(
        data=data,
        whole=whole,
        empty=[Cell(0)] * (len(office_ids) + 1),
        followed=followed_split.totals,
        in_activity=followed_split.row("in"),
        activity=protected("activity", ACTIVITY_KINDS, rows_add_up=False),
        contacts=protected("contacts", months, rows_add_up=True),
        assistance_months=protected("assistance_months", months, rows_add_up=False),
        assistance=protected("assistance", ["long", "short"], rows_add_up=True),
        caseworker_keys=caseworker_keys,
        caseload=protected("caseload", caseworker_keys, rows_add_up=True),
        reasons=protected("reasons", list(data.reason_labels), rows_add_up=False),
        youth=protected("youth", SITUATIONS, rows_add_up=True),
        goals=protected("goals", GOALS, rows_add_up=False),
        overdue=line("overdue"),
        transitions=line("transitions"),
        episodes=line("episodes"),
    )


def build(
    scope: Scope,
    *,
    chosen: Sequence[int] | None = None,
    drill_down_offices: Sequence[int] = (),
    counted: list[snapshots.Counted] | None = None,
) -> Dashboard:
    """The dashboard of `scope` (all the offices the user may see), showing `chosen` offices."""
    columns = Columns.of(scope, chosen)
    months = scope.months()
    counted = counted or figures_for(scope)
    data = counted[0].figures
    whole = counted[1].figures if len(counted) > 1 else None
    counts = _counts(data, whole, scope.office_ids, months)
    tables = [
        _months_table(counts, columns, months),
        _caseload_table(counts, columns),
        _activity_table(counts, columns),
        _reasons_table(counts, columns),
        _interventions_table(data, scope.office_ids, columns.chosen, columns.note),
        _youth_table(counts, columns),
        _goals_table(counts, columns),
        _quality_table(data, whole, columns),
    ]
    return Dashboard(
        scope=scope,
        key_figures=_key_figures(counts, columns, drill_down_offices),
        tables=tables,
        trend=_trend(counts, columns, months),
        counted_at=min(filter(None, [c.counted_at for c in counted]), default=None),
    )


def _key_figures(counts: Counts, columns: Columns, drill_down_offices: Sequence[int]) -> Table:
    """The figures of every office shown side by side, with their total."""
    pick, followed, in_activity = columns.pick, counts.followed, counts.in_activity
    youth, assistance = counts.youth, counts.assistance
    links = [
        "followup:caseload" if columns.office_ids[i] in drill_down_offices else ""
        for i in columns.shown
    ]
    rows = [
        Row(_("Clients followed in the period"), pick(followed)),
        Row(_("Active clients now"), pick(counts.totals(counts.caseload))),
        Row(_("Contacts in the period"), pick(counts.totals(counts.contacts))),
        Row(_("Contacts per followed client"), _per_client(counts, columns)),
        Row(_("Active clients overdue for contact now"), pick(counts.overdue), links=links),
        Row(_("Case episodes opened"), pick(counts.episodes)),
        Row(_("Followed clients in activity"), pick(in_activity)),
        Row(_("Share of followed clients in activity"), _shares(in_activity, followed, columns)),
        Row(_("Clients into work or education"), pick(counts.transitions)),
        Row(_("Clients on social assistance"), pick(counts.totals(assistance))),
        Row(_("Days on social assistance, median"), _medians(counts, columns)),
        Row(_("On social assistance for more than six months"), pick(assistance.row("long"))),
        Row(_("Children in the families followed"), pick(counts.totals(youth))),
        Row(_("Dropped out of upper secondary school"), pick(youth.row("dropped_out"))),
        Row(
            _("Share of the children who dropped out"),
            _shares(youth.row("dropped_out"), counts.totals(youth), columns),
        ),
    ]
    headers = [_("Figure"), *columns.names, *([_("Total")] if columns.with_total else [])]
    return Table("key-figures", _("Key figures"), headers, rows)


def _shares(part: Sequence[Cell], whole: Sequence[Cell], columns: Columns) -> list[Cell | str]:
    return [_format_share(share(part[c], whole[c])) for c in columns.all]


def _per_client(counts: Counts, columns: Columns) -> list[Cell | str]:
    """Contacts per followed client, where both counts are shown and enough clients."""
    values: list[Cell | str] = []
    for c in columns.all:
        contact, person = counts.totals(counts.contacts)[c], counts.followed[c]
        ok = contact.shown and person.shown and person.value >= THRESHOLD
        values.append(_format_number(contact.value / person.value) if ok else "–")
    return values


def _medians(counts: Counts, columns: Columns) -> list[Cell | str]:
    """The median days on assistance, where the count of clients on it is shown and enough."""
    keys: list[int | None] = [*columns.office_ids, None]
    totals = counts.totals(counts.assistance)
    return [
        _format_number(counts.data.medians.get(keys[c]), 0)
        if totals[c].shown and totals[c].value >= THRESHOLD
        else "–"
        for c in columns.all
    ]


def _of_chosen(
    columns: Columns,
    slug: str,
    title: str,
    headers: list[str],
    rows: list[Row],
    chart: charts.BarChart | None = None,
) -> Table:
    """A table of the chosen column only."""
    return Table(slug, title, headers, rows, note=columns.note, chart=chart)


def _bars(title: str, rows: list[Row]) -> charts.BarChart:
    """A chart of the rows' counts (the first column), as the table beside it shows them."""
    return charts.bar_chart(title, [(r.label, r.cells[0]) for r in rows])


def _with_share(label: str, part: Cell, whole: Cell) -> Row:
    return Row(label, [part, _format_share(share(part, whole))])


def _rows_of(
    table: Protected, keys: Sequence[Any], label: Callable[[Any], str], columns: Columns
) -> list[Row]:
    """The chosen column's rows, without the caseworkers or reasons of other offices."""
    chosen = columns.chosen
    return [
        Row(label(key), [table.row(key)[chosen]])
        for key in keys
        if columns.with_total or table.row(key)[chosen].value != 0
    ]


def _months_table(counts: Counts, columns: Columns, months: Sequence[Any]) -> Table:
    chosen = columns.chosen
    rows = [
        Row(
            f"{month:%m.%Y}",
            [counts.contacts.row(month)[chosen], counts.assistance_months.row(month)[chosen]],
        )
        for month in months
    ]
    rows.append(Row(_("Total"), [counts.totals(counts.contacts)[chosen], "–"]))
    return _of_chosen(
        columns,
        "months",
        _("Month by month"),
        [_("Month"), _("Contacts"), _("Clients on social assistance")],
        rows,
    )


def _trend(counts: Counts, columns: Columns, months: Sequence[Any]) -> charts.LineChart:
    chosen = columns.chosen
    return charts.line_chart(
        _("Contacts and clients on social assistance, month by month"),
        months,
        [
            (_("Contacts"), [counts.contacts.row(m)[chosen] for m in months]),
            (
                _("Clients on social assistance"),
                [counts.assistance_months.row(m)[chosen] for m in months],
            ),
        ],
    )


def _caseload_table(counts: Counts, columns: Columns) -> Table:
    names = counts.data.caseworkers
    rows = _rows_of(
        counts.caseload,
        counts.caseworker_keys,
        lambda k: names[k] or _("No responsible caseworker"),
        columns,
    )
    rows.append(Row(_("Total"), [counts.totals(counts.caseload)[columns.chosen]]))
    return _of_chosen(
        columns,
        "caseload",
        _("Active clients per responsible caseworker"),
        [_("Caseworker"), _("Clients")],
        rows,
        # Without the "Total" row, which is not a bar; likewise for the children below.
        _bars(_("Active clients per responsible caseworker"), rows[:-1]),
    )


def _activity_table(counts: Counts, columns: Columns) -> Table:
    chosen = columns.chosen
    rows = [
        _with_share(
            str(ACTIVITY_LABELS[kind]),
            counts.activity.row(kind)[chosen],
            counts.followed[chosen],
        )
        for kind in ACTIVITY_KINDS
    ]
    return _of_chosen(
        columns,
        "activity",
        _("Followed clients in activity, by kind (a client may be in several)"),
        [_("Activity"), _("Clients"), _("Share of followed clients")],
        rows,
    )


def _reasons_table(counts: Counts, columns: Columns) -> Table:
    labels = counts.data.reason_labels
    rows = _rows_of(counts.reasons, list(labels), lambda k: labels[k], columns)
    return _of_chosen(
        columns,
        "reasons",
        _("Reasons for contact in the case episodes opened (an episode may have several)"),
        [_("Reason"), _("Case episodes")],
        rows,
        _bars(_("Reasons for contact"), rows),
    )


def _youth_table(counts: Counts, columns: Columns) -> Table:
    chosen = columns.chosen
    children = counts.totals(counts.youth)[chosen]
    rows = [
        _with_share(str(SITUATION_LABELS[s]), counts.youth.row(s)[chosen], children)
        for s in SITUATIONS
    ]
    rows.append(Row(_("Total"), [children, ""]))
    return _of_chosen(
        columns,
        "youth",
        _("Children in the families followed, by school situation at the end of the period"),
        [_("School situation"), _("Children"), _("Share")],
        rows,
        _bars(_("Children by school situation"), rows[:-1]),
    )


def _goals_table(counts: Counts, columns: Columns) -> Table:
    rows = [Row(str(GOAL_LABELS[g]), [counts.goals.row(g)[columns.chosen]]) for g in GOALS]
    return _of_chosen(columns, "goals", _("Family plans"), [_("Goals"), _("Number")], rows)


def _quality_table(data: Figures, whole: Figures | None, columns: Columns) -> Table:
    """Quality of life: families per area and office, protected like the rest, and the
    average change where no average of fewer than five families can be worked out from
    the averages of the other offices, of all of them, or of all clients."""
    office_ids, chosen = columns.office_ids, columns.chosen
    # The same life areas counted for all clients, by label (reversed: where two areas
    # share a label, the first one is taken).
    whole_areas = {label: n for label, n, _sums in reversed(whole.life_areas)} if whole else {}
    rows = []
    for label, per_office, sums in data.life_areas:
        whole_counts = whole_areas.get(label, {}) if whole else None
        families_cells = _line(per_office, whole_counts, office_ids)
        averages = _average_changes(per_office, sums, whole_counts, families_cells, office_ids)
        change = averages[chosen]
        average = ("+" if change and change > 0 else "") + _format_number(change)
        rows.append(Row(label, [families_cells[chosen], average]))
    return Table(
        "quality-of-life",
        _("The families' own quality of life: change from the first review to the latest (0–10)"),
        [_("Life area"), _("Families rated twice or more"), _("Average change")],
        rows,
        note=columns.note,
    )


def _split(part: PerOffice, whole: PerOffice) -> Breakdown:
    """A part of a whole per office, and the rest of it."""
    return {"in": dict(part), "out": {o: n - part.get(o, 0) for o, n in whole.items()}}


def _average_changes(
    per_office: PerOffice,
    sums: PerOffice,
    whole: PerOffice | None,
    families_cells: Sequence[Cell],
    office_ids: Sequence[int],
) -> list[float | None]:
    """A life area's average change per office and for all of them (the last), where it may
    be shown: over five families or more, its count of families shown, and none of fewer
    than five to be worked out from the others (suppression.protect_averages). With a
    programme, the parts are each office's families in it and the rest, and the averages
    of all clients (`whole`) are what the reader knows besides."""
    columns: list[Sequence[int]] = [[o] for o in office_ids]
    if len(office_ids) > 1:
        columns.append(list(office_ids))  # all offices: a choice only where there are several
    eligible = [families_cells[i].shown for i in range(len(columns))]
    counts: dict[Any, int]
    if whole is None:
        counts = dict(per_office)
        shown = protect_averages([frozenset(column) for column in columns], counts, eligible)
    else:
        # Parts: each office's families in the programme (True) and the rest (False).
        counts = {(o, True): per_office.get(o, 0) for o in office_ids}
        counts |= {(o, False): whole.get(o, 0) - per_office.get(o, 0) for o in office_ids}
        whole_cells = _line(whole, None, office_ids)
        whole_groups = [
            frozenset((o, part) for o in column for part in (True, False)) for column in columns
        ]
        # What the page for all clients shows (the same choice as there, by the same parts).
        published = protect_averages(
            whole_groups, counts, [whole_cells[i].shown for i in range(len(columns))]
        )
        shown = protect_averages(
            [frozenset((o, True) for o in column) for column in columns],
            counts,
            eligible,
            published=[g for g, s in zip(whole_groups, published, strict=True) if s],
        )
    values = [sum(sums.get(o, 0) for o in column) for column in columns]
    averages: list[float | None] = []
    for column, ok, value in zip(columns, shown, values, strict=True):
        n = sum(per_office.get(o, 0) for o in column)
        averages.append(value / n if ok and n else None)
    if len(office_ids) == 1:
        averages.append(averages[0])  # the total column of one office is that office
    return averages


# Users who see more offices than this are shown the table of type × outcome for all of
# them together only: protecting every office's table against the others takes seconds
# for dozens of offices, and minutes for the country's.
OFFICES_WITH_OWN_INTERVENTIONS = 12


def _interventions_table(
    data: Figures, office_ids: Sequence[int], chosen_column: int, note: str
) -> Table:
    """Type × outcome of the interventions that ended, for the chosen office or all of them,
    only without a programme. The tables of every office and of all of them are protected
    together (suppression.protect_tables), so no office's hidden count can be worked out
    from the table of all offices."""

    def table(headers: Sequence[str] = (), rows: Sequence[Row] = (), empty: str = "") -> Table:
        return Table(
            "interventions",
            _("Interventions ended in the period, by type and outcome"),
            [_("Intervention"), *headers],
            list(rows),
            note=note,
            empty=empty,
        )

    if data.intervention_outcomes is None:
        return table(
            empty=_("Shown for all clients only: choose “All clients” instead of a programme.")
        )
    all_chosen = chosen_column == len(office_ids)
    each_office = len(office_ids) <= OFFICES_WITH_OWN_INTERVENTIONS
    if not (each_office or all_chosen):
        return table(
            empty=_(
                "Shown for all your offices together only: you see too many offices for "
                "each office’s table to be protected against the others."
            )
        )
    types, outcomes, matrices = data.intervention_outcomes
    if not types:
        return table()
    if each_office:
        empty_matrix = [[0] * len(outcomes) for _t in types]
        offices, all_offices = protect_tables(
            [matrices.get(o, empty_matrix) for o in office_ids], with_total=len(office_ids) > 1
        )
        grid = all_offices if all_chosen and all_offices else offices[chosen_column]
    else:
        # Only the table of all offices is ever shown: protected on its own.
        grid = protect_table(
            [
                [sum(m[r][c] for m in matrices.values()) for c in range(len(outcomes))]
                for r in range(len(types))
            ]
        )
    # Types and outcomes of other offices only, their total a shown 0, are left out: the
    # reader knows every count in them is 0.
    kept_rows = [i for i in range(len(types)) if not (grid[i][-1].shown and grid[i][-1].value == 0)]
    if not kept_rows:
        return table()
    kept_columns = [
        c for c in range(len(outcomes)) if not (grid[-1][c].shown and grid[-1][c].value == 0)
    ]
    headers = [*(outcomes[c] or _("No outcome recorded") for c in kept_columns), _("Total")]
    rows = [
        Row(label, [grid[r][c] for c in [*kept_columns, len(outcomes)]])
        for r, label in [*((i, types[i]) for i in kept_rows), (len(types), _("Total"))]
    ]
    return table(headers, rows)
