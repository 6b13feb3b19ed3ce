"""Form pieces every case app shares: dates, the hidden version, the model's rules at the fields."""

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

# Like the database's PositiveIntegerField, so a forged number cannot fail in SQL.
MAX_VERSION = 2**31 - 1
STALE_FORM = _("The form was not understood (it may be damaged or very old): open the page again.")


class DateInput(forms.DateInput):
    """A native date picker; the browser shows it as dd.mm.åååå in Norwegian."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def version_field() -> forms.IntegerField:
    """The hidden version of an edited record (optimistic locking), bounded like the column."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=0,
        max_value=MAX_VERSION,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), STALE_FORM),
    )


class ModelRulesOnce:
    """A ModelForm whose model rules (the model's clean()) don't blame a field twice.

    A field the form refused already (e.g. an invalid date) keeps only that error;
    the model, which never saw the new value, has nothing to add to it. A rule about
    a field the form does not show (e.g. the start of a benefit on the form that
    ends it) is said above the form; Django would fail the page with a ValueError.
    """

    errors: Any
    fields: dict[str, forms.Field]

    def _update_errors(self, errors: ValidationError) -> None:
        if hasattr(errors, "error_dict"):
            kept: dict[str, list[ValidationError]] = {}
            for name, messages in errors.error_dict.items():
                if name in self.errors and name != NON_FIELD_ERRORS:
                    continue
                target = name if name in self.fields else NON_FIELD_ERRORS
                kept.setdefault(target, []).extend(messages)
            errors = ValidationError(kept)
        super()._update_errors(errors)  # type: ignore[misc]  # private, not in the stubs
