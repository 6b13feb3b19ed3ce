"""The dashboard as the manager sees it: every figure, protected together, and its tables.

All the counts on one page are protected at once, with every sum that ties them
(offices add up to a total; so do months, caseworkers, school situations), so
that no small count can be worked out by combining two tables. The two-way table
of interventions shares no total with anything else and is protected on its own.
The downloads are made from the same tables, so they show exactly what the page shows.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from dashboards import charts, figures
from dashboards.figures import Scope
from dashboards.suppression import THRESHOLD, Cell, protect_counts, protect_table, share


class Counts:
    """The counts of a page, and which of them add up to which."""

    def __init__(self) -> None:
        self.values: list[int] = []
        self.sums: list[tuple[list[int], int]] = []
        self.cells: list[Cell] = []

    def add(self, value: int) -> int:
        self.values.append(int(value))
        return len(self.values) - 1

    def add_many(self, values: Sequence[int]) -> list[int]:
        return [self.add(v) for v in values]

    def adds_up(self, parts: Sequence[int], total: int) -> None:
        self.sums.append((list(parts), total))

    def protect(self) -> None:
        self.cells = protect_counts(self.values, self.sums)

    def __getitem__(self, index: int) -> Cell:
        return self.cells[index]


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
    note: str = ""

    def as_rows(self) -> list[list[str]]:
        """The table as text, for downloads: exactly what the page shows."""
        return [self.headers] + [[r.label, *(str(c) for c in r.cells)] for r in self.rows]


def _format_share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _format_number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace(".", ",")


@dataclass
class Dashboard:
    scope: Scope
    offices: list[Any]
    key_figures: Table
    tables: list[Table]
    trend: charts.LineChart
    bar_charts: list[charts.BarChart]

    def table(self, slug: str) -> Table | None:
        return next((t for t in [self.key_figures, *self.tables] if t.slug == slug), None)


def build(scope: Scope, *, drill_down_offices: Sequence[int] = ()) -> Dashboard:
    """Every figure of the dashboard for the scope, protected, as tables and charts."""
    offices = list(scope.offices)
    office_ids = [o.pk for o in offices]
    months = scope.months()
    counts = Counts()

    def per_office_line(values: dict[int, int]) -> tuple[list[int], int]:
        cells = counts.add_many([values.get(o, 0) for o in office_ids])
        total = counts.add(sum(values.get(o, 0) for o in office_ids))
        counts.adds_up(cells, total)
        return cells, total

    def monthly_line(values: dict[datetime.date, int], total: int | None) -> list[int]:
        cells = counts.add_many([values.get(m, 0) for m in months])
        if total is not None:
            counts.adds_up(cells, total)
        return cells

    by_office = figures.per_office(scope)
    lines = {name: per_office_line(values) for name, values in by_office.items()}
    contacts_by_office, contacts_by_month = figures.contacts(scope)
    lines["contacts"] = per_office_line(contacts_by_office)
    contacts_months = monthly_line(contacts_by_month, lines["contacts"][1])
    episodes_by_office, episodes_by_month = figures.episodes_opened(scope)
    lines["episodes"] = per_office_line(episodes_by_office)
    episodes_months = monthly_line(episodes_by_month, lines["episodes"][1])
    assistance_months = monthly_line(figures.assistance_by_month(scope), None)
    transitions_by_month = figures.transitions_by_month(scope)
    transitions_total = counts.add(sum(transitions_by_month.values()))
    transitions_months = monthly_line(transitions_by_month, transitions_total)

    caseload = figures.caseload(scope)
    caseload_cells = counts.add_many([n for _name, n in caseload])
    counts.adds_up(caseload_cells, lines["active"][1])

    assistance = figures.assistance_time(scope)
    long_assistance = per_office_line({o: assistance.get(o, (None, 0, 0))[1] for o in office_ids})

    youth = figures.youth(scope)
    situations = ["in_school", "completed", "dropped_out", "not_in_school", "unknown"]
    children_by_office = {
        o: sum(youth.get(s, {}).get(o, 0) for s in situations) for o in office_ids
    }
    lines["children"] = per_office_line(children_by_office)
    situation_cells = {s: counts.add(sum(youth.get(s, {}).values())) for s in situations}
    counts.adds_up(list(situation_cells.values()), lines["children"][1])
    dropouts = counts.add_many([youth.get("dropped_out", {}).get(o, 0) for o in office_ids])
    counts.adds_up(dropouts, situation_cells["dropped_out"])
    lines["dropped_out"] = (dropouts, situation_cells["dropped_out"])

    activity = figures.activity_kinds(scope)
    activity_cells = {kind: counts.add(n) for kind, n in activity.items()}
    reasons = figures.reasons(scope)
    reason_cells = counts.add_many([n for _label, n in reasons])
    goals = figures.plan_goals(scope)
    goal_cells = {name: counts.add(n) for name, n in goals.items()}
    quality = figures.quality_of_life(scope)
    quality_cells = counts.add_many([families for _label, families, _change in quality])

    counts.protect()

    def office_row(label: str, name: str, link: str = "") -> Row:
        cells, total = lines[name]
        return Row(
            label,
            [counts[c] for c in cells] + ([counts[total]] if len(offices) > 1 else []),
            links=[link if link and o in drill_down_offices else "" for o in office_ids],
        )

    def share_row(label: str, part: str, whole: str) -> Row:
        part_cells, part_total = lines[part]
        whole_cells, whole_total = lines[whole]
        values = [
            _format_share(share(counts[p], counts[w]))
            for p, w in zip(part_cells, whole_cells, strict=True)
        ]
        if len(offices) > 1:
            values.append(_format_share(share(counts[part_total], counts[whole_total])))
        return Row(label, list(values))

    def median_row() -> Row:
        keys: list[int | None] = list(office_ids) + ([None] if len(offices) > 1 else [])
        values: list[Cell | str] = []
        for key in keys:
            median, _long, receiving = assistance.get(key, (None, 0, 0))
            values.append(_format_number(median, 0) if receiving >= THRESHOLD else "–")
        return Row(_("Days on social assistance, median"), values)

    def per_client_row() -> Row:
        values: list[Cell | str] = []
        pairs = list(zip(lines["contacts"][0], lines["followed"][0], strict=True))
        if len(offices) > 1:
            pairs.append((lines["contacts"][1], lines["followed"][1]))
        for contacts_index, followed_index in pairs:
            c, f = counts[contacts_index], counts[followed_index]
            values.append(
                _format_number(c.value / f.value)
                if c.shown and f.shown and f.value >= THRESHOLD
                else "–"
            )
        return Row(_("Contacts per followed client"), values)

    caseload_link = "followup:caseload"
    key_figures = Table(
        "key-figures",
        _("Key figures"),
        [_("Figure"), *(o.name for o in offices), *([_("Total")] if len(offices) > 1 else [])],
        [
            office_row(_("Clients followed in the period"), "followed"),
            office_row(_("Active clients"), "active"),
            office_row(_("Contacts in the period"), "contacts"),
            per_client_row(),
            office_row(_("Active clients overdue for contact"), "overdue", caseload_link),
            office_row(_("Followed clients in activity"), "in_activity"),
            share_row(_("Share of followed clients in activity"), "in_activity", "followed"),
            office_row(_("Clients into work or education"), "transitions"),
            office_row(_("Clients on social assistance"), "assistance"),
            median_row(),
            Row(
                _("On social assistance for more than six months"),
                [counts[c] for c in long_assistance[0]]
                + ([counts[long_assistance[1]]] if len(offices) > 1 else []),
            ),
            office_row(_("Children in the families followed"), "children"),
            office_row(_("Dropped out of upper secondary school"), "dropped_out"),
            share_row(_("Share of the children who dropped out"), "dropped_out", "children"),
        ],
    )

    trend_rows = [
        Row(
            f"{month:%m.%Y}",
            [
                counts[contacts_months[i]],
                counts[episodes_months[i]],
                counts[assistance_months[i]],
                counts[transitions_months[i]],
            ],
        )
        for i, month in enumerate(months)
    ]
    trend_rows.append(
        Row(
            _("Total"),
            [
                counts[lines["contacts"][1]],
                counts[lines["episodes"][1]],
                "–",
                counts[transitions_total],
            ],
        )
    )
    trend_table = Table(
        "months",
        _("Month by month"),
        [
            _("Month"),
            _("Contacts"),
            _("Case episodes opened"),
            _("Clients on social assistance"),
            _("Into work or education"),
        ],
        trend_rows,
    )
    trend = charts.line_chart(
        _("Contacts and case episodes opened, month by month"),
        months,
        [
            (_("Contacts"), [counts[i] for i in contacts_months]),
            (_("Case episodes opened"), [counts[i] for i in episodes_months]),
        ],
    )

    caseload_rows = [
        Row(name or _("No responsible caseworker"), [counts[c]])
        for (name, _n), c in zip(caseload, caseload_cells, strict=True)
    ]
    caseload_rows.append(Row(_("Total"), [counts[lines["active"][1]]]))
    activity_labels = {
        "work": _("Work-oriented activity"),
        "education": _("Education or Norwegian training"),
        "kvp": _("Qualification programme (KVP)"),
        "other": _("Other intervention"),
    }
    activity_rows = [
        Row(
            activity_labels[kind],
            [counts[cell], _format_share(share(counts[cell], counts[lines["followed"][1]]))],
        )
        for kind, cell in activity_cells.items()
    ]
    situation_labels = {
        "in_school": _("In school"),
        "completed": _("Completed upper secondary"),
        "dropped_out": _("Dropped out of upper secondary"),
        "not_in_school": _("Not in school"),
        "unknown": _("School situation not recorded"),
    }
    children_total = counts[lines["children"][1]]
    youth_rows = [
        Row(
            situation_labels[s],
            [
                counts[situation_cells[s]],
                _format_share(share(counts[situation_cells[s]], children_total)),
            ],
        )
        for s in situations
    ]
    youth_rows.append(Row(_("Total"), [children_total, ""]))
    reason_rows = [
        Row(label, [counts[c]]) for (label, _n), c in zip(reasons, reason_cells, strict=True)
    ]
    goal_labels = {
        "set": _("Goals set in the period"),
        "achieved": _("Goals achieved in the period"),
        "closed": _("Goals closed without being achieved"),
    }
    goal_rows = [Row(goal_labels[name], [counts[cell]]) for name, cell in goal_cells.items()]
    quality_rows = [
        Row(
            label,
            [
                counts[c],
                ("+" if change and change > 0 else "") + _format_number(change)
                if counts[c].shown and families >= THRESHOLD
                else "–",
            ],
        )
        for (label, families, change), c in zip(quality, quality_cells, strict=True)
    ]

    types, outcomes, matrix = figures.interventions_by_type_and_outcome(scope)
    intervention_rows: list[Row] = []
    if matrix:
        grid = protect_table(matrix)
        outcome_headers = [o or _("No outcome recorded") for o in outcomes]
        for label, row in zip([*types, _("Total")], grid, strict=True):
            intervention_rows.append(Row(label, list(row)))
    else:
        outcome_headers = []

    tables = [
        trend_table,
        Table(
            "caseload",
            _("Active clients per responsible caseworker"),
            [_("Caseworker"), _("Clients")],
            caseload_rows,
        ),
        Table(
            "activity",
            _("Followed clients in activity, by kind (a client may be in several)"),
            [_("Activity"), _("Clients"), _("Share of followed clients")],
            activity_rows,
        ),
        Table(
            "reasons",
            _("Reasons for contact in the case episodes opened (an episode may have several)"),
            [_("Reason"), _("Case episodes")],
            reason_rows,
        ),
        Table(
            "interventions",
            _("Interventions ended in the period, by type and outcome"),
            [_("Intervention"), *outcome_headers, *([_("Total")] if outcome_headers else [])],
            intervention_rows,
        ),
        Table(
            "youth",
            _("Children in the families followed, by school situation at the end of the period"),
            [_("School situation"), _("Children"), _("Share")],
            youth_rows,
        ),
        Table("goals", _("Family plans"), [_("Goals"), _("Number")], goal_rows),
        Table(
            "quality-of-life",
            _(
                "The families' own quality of life: change from the first review "
                "to the latest (0–10)"
            ),
            [_("Life area"), _("Families rated twice or more"), _("Average change")],
            quality_rows,
        ),
    ]
    bar_charts = [
        charts.bar_chart(_("Reasons for contact"), [(r.label, r.cells[0]) for r in reason_rows]),
        charts.bar_chart(
            _("Active clients per responsible caseworker"),
            [(r.label, r.cells[0]) for r in caseload_rows[:-1]],
        ),
        charts.bar_chart(
            _("Children by school situation"), [(r.label, r.cells[0]) for r in youth_rows[:-1]]
        ),
    ]
    return Dashboard(
        scope=scope,
        offices=offices,
        key_figures=key_figures,
        tables=tables,
        trend=trend,
        bar_charts=bar_charts,
    )
