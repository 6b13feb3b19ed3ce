"""Model forms that show the model's own rules (its clean()) at the fields, never as a crash."""

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class RulesForm[M: models.Model](forms.ModelForm[M]):
    """A model form whose model's clean() may name a field the form does not show.

    Django would raise ValueError for such an error; here it is shown above the form
    instead (e.g. an end form meeting an enrolment date the programme does not allow).
    """

    def _update_errors(self, errors: ValidationError) -> None:
        if hasattr(errors, "error_dict"):
            placed: dict[str, list[Any]] = {}
            for field, messages in errors.error_dict.items():
                key = field if field in self.fields else NON_FIELD_ERRORS
                placed.setdefault(key, []).extend(messages)
            errors = ValidationError(placed)
        super()._update_errors(errors)  # type: ignore[misc]  # private, not in the stubs


STALE_FORM = _("The form was not understood (it may be damaged or very old): open the page again.")


def version_field() -> forms.IntegerField:
    """The hidden version of an edited record (optimistic locking), bounded like the column."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), STALE_FORM),
    )
