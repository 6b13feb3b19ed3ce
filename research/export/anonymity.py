"""k-anonymity of the persons table: generalise first, then suppress single values.

Every combination of quasi-identifiers in the final persons table occurs at
least k times. The search is greedy and deterministic: while too many persons
sit in groups smaller than k, widen the quasi-identifier whose widening helps
most; then, for the persons still in small groups, hide (suppress) one
quasi-identifier after another; persons whose every quasi-identifier is hidden
and who still form a group smaller than k are left out of the export.
"""

import datetime
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from research.export.variables import SUPPRESSED, Categories

# Share of persons that may be left to local suppression before widening stops.
SUPPRESSION_BUDGET = 0.05


@dataclass(frozen=True, slots=True)
class RawPerson:
    """What the persons table is made from (never written out as it is)."""

    key: int
    gender: str
    birth_date: datetime.date
    region: str  # norway, nordic, asia … or unknown
    refugee: bool
    arrival_year: int | None
    office: int


@dataclass(frozen=True)
class Level:
    name: str
    categories: Sequence[tuple[Hashable, str]]
    generalise: Callable[[RawPerson], Hashable]


@dataclass(frozen=True)
class QuasiIdentifier:
    name: str
    label: str
    levels: Sequence[Level]


def _bands(bounds: Sequence[int], value: int) -> int:
    """The lower bound of the band a value falls in."""
    chosen = bounds[0]
    for bound in bounds:
        if value >= bound:
            chosen = bound
    return chosen


def _band_labels(bounds: Sequence[int], top: str) -> list[tuple[Hashable, str]]:
    labels: list[tuple[Hashable, str]] = []
    for lower, upper in zip(bounds, [*bounds[1:], None], strict=True):
        if upper is None:
            labels.append((lower, top % {"lower": lower}))
        elif lower == bounds[0] and lower == 0:
            labels.append((lower, _("under %(upper)s") % {"upper": upper}))
        else:
            labels.append((lower, f"{lower}–{upper - 1}"))
    return labels


def age_on(person: RawPerson, on: datetime.date) -> int:
    born = person.birth_date
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


REGION_GROUP = {
    "nordic": "group1",
    "eu_eea_other": "group1",
    "north_america": "group1",
    "oceania": "group1",
    "europe_other": "group2",
    "asia": "group2",
    "africa": "group2",
    "latin_america": "group2",
}


def quasi_identifiers(
    *,
    age_on_date: datetime.date,
    as_of: datetime.date,
    offices: Sequence[tuple[int, str]],
    include_office: bool,
) -> list[QuasiIdentifier]:
    """The quasi-identifiers of the persons table, each with its generalisation levels."""
    identifiers = [
        _gender(),
        _age_band(age_on_date),
        _birth_region(),
        _refugee_background(),
        _arrival_band(age_on_date, as_of),
    ]
    if include_office:
        identifiers.append(_office(offices))
    return identifiers


def _gender() -> QuasiIdentifier:
    return QuasiIdentifier(
        "gender",
        _("Gender"),
        [
            Level(
                _("as registered"),
                [("F", _("Female")), ("M", _("Male")), ("other", _("Other or unknown"))],
                lambda p: p.gender if p.gender in {"F", "M"} else "other",
            )
        ],
    )


def _age_band(age_on_date: datetime.date) -> QuasiIdentifier:
    """Age on `age_on_date`, in bands of 5, 10 and 20 years."""
    age_levels = [
        (0, 20, 25, 30, 35, 40, 45, 50, 55, 60, 67),
        (0, 25, 35, 45, 55, 67),
        (0, 30, 50, 67),
    ]
    age_names = [_("5-year bands"), _("10-year bands"), _("20-year bands")]

    def age_level(bounds: Sequence[int], name: str) -> Level:
        return Level(
            name,
            _band_labels(bounds, _("%(lower)s and over")),
            lambda p: _bands(bounds, age_on(p, age_on_date)),
        )

    return QuasiIdentifier(
        "age_band",
        _("Age at the end of the project period"),
        [age_level(b, n) for b, n in zip(age_levels, age_names, strict=True)],
    )


def _birth_region() -> QuasiIdentifier:
    """Country of birth: by region, by Statistics Norway's country groups, or Norway or not."""
    region_labels = [
        ("norway", _("Norway")),
        ("nordic", _("Nordic countries except Norway")),
        ("eu_eea_other", _("EU/EEA outside the Nordic countries, UK, Switzerland")),
        ("europe_other", _("Europe outside the EU/EEA")),
        ("asia", _("Asia (incl. the Middle East)")),
        ("africa", _("Africa")),
        ("latin_america", _("South and Central America")),
        ("north_america", _("North America")),
        ("oceania", _("Oceania")),
        ("unknown", _("Unknown")),
    ]
    known_regions = {key for key, _label in region_labels}
    return QuasiIdentifier(
        "birth_region",
        _("Country of birth, region"),
        [
            Level(
                _("regions"),
                region_labels,
                # A region added to the code list later counts as unknown here.
                lambda p: p.region if p.region in known_regions else "unknown",
            ),
            Level(
                _("country groups 1 and 2 (Statistics Norway)"),
                [
                    ("norway", _("Norway")),
                    ("group1", _("EU/EEA, UK, USA, Canada, Australia, New Zealand")),
                    ("group2", _("Other countries")),
                    ("unknown", _("Unknown")),
                ],
                lambda p: (
                    "norway" if p.region == "norway" else REGION_GROUP.get(p.region, "unknown")
                ),
            ),
            Level(
                _("Norway or abroad"),
                [("norway", _("Norway")), ("abroad", _("Abroad")), ("unknown", _("Unknown"))],
                lambda p: p.region if p.region in {"norway", "unknown"} else "abroad",
            ),
        ],
    )


def _refugee_background() -> QuasiIdentifier:
    return QuasiIdentifier(
        "refugee_background",
        _("Refugee background"),
        [Level(_("as registered"), [(False, _("No")), (True, _("Yes"))], lambda p: p.refugee)],
    )


def _arrival_band(age_on_date: datetime.date, as_of: datetime.date) -> QuasiIdentifier:
    """Year of arrival in Norway, in bands of 5 and 10 years, or whether one immigrated."""

    def arrival_level(width: int) -> Level:
        years = range(1900, max(age_on_date.year, as_of.year) + 1, width)
        return Level(
            _("%(width)s-year bands") % {"width": width},
            [("none", _("Did not immigrate (or year unknown)"))]
            + [(y, f"{y}–{y + width - 1}") for y in years],
            lambda p: "none" if p.arrival_year is None else p.arrival_year - p.arrival_year % width,
        )

    return QuasiIdentifier(
        "arrival_band",
        _("Year of arrival in Norway"),
        [
            *(arrival_level(width) for width in (5, 10)),
            Level(
                _("immigrated or not"),
                [
                    ("none", _("Did not immigrate (or year unknown)")),
                    ("arrived", _("Immigrated")),
                ],
                lambda p: "none" if p.arrival_year is None else "arrived",
            ),
        ],
    )


def _office(offices: Sequence[tuple[int, str]]) -> QuasiIdentifier:
    return QuasiIdentifier(
        "office", _("NAV office"), [Level(_("as registered"), list(offices), lambda p: p.office)]
    )


# The order in which single values are hidden: the most identifying first.
SUPPRESSION_ORDER = [
    "office",
    "arrival_band",
    "birth_region",
    "age_band",
    "gender",
    "refugee_background",
]
# Which quasi-identifier to widen first when two would help equally.
WIDENING_PREFERENCE = ["arrival_band", "birth_region", "age_band"]


@dataclass
class Anonymised:
    """The persons table after generalisation and suppression, and what was done."""

    identifiers: list[QuasiIdentifier]
    levels: dict[str, int]
    rows: list[tuple[int, tuple[Hashable, ...]]]  # (person key, value per quasi-identifier)
    suppressed: dict[str, int] = field(default_factory=dict)
    removed: list[int] = field(default_factory=list)
    k: int = 5

    def categories(self) -> dict[str, Categories]:
        """The numbering of each quasi-identifier at its chosen level, with SUPPRESSED."""
        result = {}
        for qi in self.identifiers:
            categories = Categories.of(qi.levels[self.levels[qi.name]].categories)
            if self.suppressed.get(qi.name):
                categories.numbers[SUPPRESSED_KEY] = SUPPRESSED
                categories.labels[SUPPRESSED] = _("Hidden to protect anonymity")
            result[qi.name] = categories
        return result


class _Suppressed:
    """The value of a hidden quasi-identifier (distinct from every real value, None too)."""

    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED_KEY = _Suppressed()


def _small_group_rows(values: list[tuple[Hashable, ...]], k: int) -> list[int]:
    sizes = Counter(values)
    return [i for i, combination in enumerate(values) if sizes[combination] < k]


def k_anonymise(
    people: Sequence[RawPerson], identifiers: list[QuasiIdentifier], *, k: int
) -> Anonymised:
    """Generalise, then suppress, until every combination occurs at least k times."""
    levels = {qi.name: 0 for qi in identifiers}

    def generalised(state: dict[str, int]) -> list[tuple[Hashable, ...]]:
        functions = [qi.levels[state[qi.name]].generalise for qi in identifiers]
        return [tuple(f(person) for f in functions) for person in people]

    values = generalised(levels)
    violating = len(_small_group_rows(values, k))
    budget = int(len(people) * SUPPRESSION_BUDGET)
    while violating > budget:
        best: tuple[int, int, str] | None = None
        for qi in identifiers:
            if levels[qi.name] + 1 >= len(qi.levels):
                continue
            trial = {**levels, qi.name: levels[qi.name] + 1}
            count = len(_small_group_rows(generalised(trial), k))
            preference = (
                WIDENING_PREFERENCE.index(qi.name)
                if qi.name in WIDENING_PREFERENCE
                else len(WIDENING_PREFERENCE)
            )
            if best is None or (count, preference) < best[:2]:
                best = (count, preference, qi.name)
        if best is None:
            break
        levels[best[2]] += 1
        values = generalised(levels)
        violating = best[0]

    rows = [list(v) for v in values]
    del values  # each person's combination, held once: as the rows to suppress in
    positions = {qi.name: i for i, qi in enumerate(identifiers)}
    suppressed: dict[str, int] = {}
    for name in SUPPRESSION_ORDER:
        if name not in positions:
            continue
        small = _small_group_rows([tuple(r) for r in rows], k)
        if not small:
            break
        for i in small:
            rows[i][positions[name]] = SUPPRESSED_KEY
        suppressed[name] = len(small)

    final = [tuple(r) for r in rows]
    left_out = set(_small_group_rows(final, k))
    return Anonymised(
        identifiers=identifiers,
        levels=levels,
        rows=[(people[i].key, final[i]) for i in range(len(people)) if i not in left_out],
        suppressed=suppressed,
        removed=sorted(people[i].key for i in left_out),
        k=k,
    )


def smallest_group(rows: Iterable[Sequence[object]]) -> int:
    """The size of the rarest combination (0 for no rows): checked on the final file."""
    sizes = Counter(tuple(row) for row in rows)
    return min(sizes.values(), default=0)
