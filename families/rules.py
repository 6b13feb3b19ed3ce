"""The date and age rules the families models' clean() share, with their bokmål refusals."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import EARLIEST_BIRTH_DATE

# The oldest a "child" of the family may be on the day they join it. The Sagene project
# follows young people through upper secondary school, which they have a right to until
# the year they turn 24 (ungdomsretten) and often finish at 19–21 while still living with
# their parents; a young adult child who moves back home is still the family's child. So
# the rule does not stop at 18: it refuses only the obvious adult (25 or older) registered
# as a child, and never a 17- or 20-year-old. Older members are "parent" or "other adult".
CHILD_MAX_AGE = 24

# The youngest a "parent" or "other adult" of the family may be on the day they join it.
# Below 16 a young person is a child in every sense the family follow-up works with: of
# compulsory school age (grunnskolen ends the year they turn 16), below the age of consent
# (straffeloven § 302), and in the care of their own parents (forsørgerplikten). A young
# parent under 16 is followed in her own parents' household, as their child. So a member
# younger than that in an adult role is a typing error (most often the birth date or the
# role of the wrong person), while a 16- or 17-year-old parent is rare but real.
ADULT_MIN_AGE = 16

Errors = dict[str, list[str]]

# A member who is not a client is known to HUSK only by what is kept on the membership.
NAME_AND_BIRTH_NEEDED = gettext_lazy(
    "Give the first name and date of birth of a member who is not a client."
)


def shown(day: datetime.date) -> str:
    """A date as the UI shows it: dd.mm.åååå."""
    return day.strftime("%d.%m.%Y")


def refuse(errors: Errors, field: str, message: object) -> None:
    """Note a refusal at a field (message: a text, or a lazily translated one)."""
    errors.setdefault(field, []).append(str(message))


def not_in_future(errors: Errors, field: str, day: datetime.date | None) -> None:
    if day is not None and day > timezone.localdate():
        refuse(errors, field, _("The date cannot be in the future."))


def not_before_birth(
    errors: Errors, field: str, day: datetime.date | None, birth: datetime.date | None
) -> None:
    if day is not None and birth is not None and day < birth:
        refuse(
            errors,
            field,
            _("The date is before the person's date of birth (%(birth)s).")
            % {"birth": shown(birth)},
        )


def plausible_birth(errors: Errors, field: str, birth: datetime.date | None) -> None:
    if birth is None:
        return
    if birth < EARLIEST_BIRTH_DATE:
        refuse(errors, field, _("The date of birth cannot be before 01.01.1900."))
    not_in_future(errors, field, birth)


def until_not_before_since(
    errors: Errors, since: datetime.date | None, until: datetime.date | None
) -> None:
    if since is not None and until is not None and until < since:
        refuse(errors, "until", _("The end date cannot be before the start date."))


def raise_if_any(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)
