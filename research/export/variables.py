"""Variables of the exported files, and how categories are numbered and rare codes merged."""

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext as _

# Numeric values shared by every categorical variable of every table.
OTHER = 9997  # codes used by fewer than k persons, merged (research-export.md, rule 5)
SUPPRESSED = 9999  # a quasi-identifier hidden to reach k-anonymity (rule 4)

Kind = Literal["string", "category", "integer", "date", "flag"]


@dataclass
class Variable:
    """One column of one exported table, as the codebook describes it."""

    name: str
    label: str
    kind: Kind
    unit: str = ""
    labels: dict[int, str] = field(default_factory=dict)

    @property
    def type_name(self) -> str:
        return {"string": "text", "date": "date"}.get(self.kind, "integer")


def no_yes() -> dict[int, str]:
    return {0: _("No"), 1: _("Yes")}


@dataclass
class Categories:
    """The numbering of one category set in one export: source key → 1, 2, 3 …

    Keys are code ids, choice values or other row values; numbers follow the
    given order, so the same code list numbers the same way in every export.
    """

    numbers: dict[Hashable, int]
    labels: dict[int, str]
    merged: list[str] = field(default_factory=list)
    merged_keys: list[Hashable] = field(default_factory=list)
    # Even every code merged was used by fewer than k persons: no value is exported.
    hidden: bool = False

    @classmethod
    def of(cls, entries: Iterable[tuple[Hashable, object]]) -> "Categories":
        numbers: dict[Hashable, int] = {}
        labels: dict[int, str] = {}
        for number, (key, label) in enumerate(entries, start=1):
            numbers[key] = number
            labels[number] = str(label)
        return cls(numbers=numbers, labels=labels)

    def copy(self) -> "Categories":
        return Categories(numbers=dict(self.numbers), labels=dict(self.labels))

    def _merge(self, key: Hashable) -> None:
        self.merged.append(self.labels.pop(self.numbers.pop(key)))
        self.merged_keys.append(key)
        self.labels[OTHER] = _("Other (codes used by fewer than k persons)")

    def merge_rare(
        self,
        persons_per_key: Mapping[Hashable, int],
        k: int,
        persons_in: Callable[[list[Hashable]], int],
    ) -> None:
        """Codes used by fewer than k persons become OTHER (unused codes keep their number).

        "Other" must not single anyone out either: while fewer than k persons have
        any merged code, the next rarest code joins it; if even all codes together
        reach fewer than k persons, the variable is hidden.
        """
        used = {
            key: count
            for key, count in persons_per_key.items()
            if key is not None and key in self.numbers
        }
        rare = [key for key, count in used.items() if count < k]
        for key in sorted(rare, key=lambda key: self.numbers[key]):
            self._merge(key)
        if not self.merged_keys:
            return
        remaining = sorted(
            (key for key in used if key in self.numbers),
            key=lambda key: (used[key], self.numbers[key]),
        )
        while persons_in(self.merged_keys) < k:
            if not remaining:
                self.hidden = True
                return
            self._merge(remaining.pop(0))

    def value(self, key: Hashable) -> int | None:
        if key is None or self.hidden:
            return None
        return self.numbers.get(key, OTHER)

    def kept(self) -> list[tuple[Hashable, int]]:
        """Keys with a number of their own, in order (the columns of a multi-code variable)."""
        return sorted(self.numbers.items(), key=lambda item: item[1])
