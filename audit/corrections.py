"""Correcting a case record after the fact: a required reason in history, never a deletion.

A caseworker who finds a wrong record (a wrong date, the wrong kind of benefit, a
contact logged on the wrong client) corrects it. The correction is an ordinary
save whose history row carries the reason the user gave (simple-history's
``history_change_reason``), so history shows who corrected what, when and why.
A record entered by mistake is *marked* as entered in error: it stays in the
database and in history, but drops out of every page, count and export.

How a case model takes part::

    class Contact(Correctable, ClientRecord):
        ...
        # Which fields a correction may change (the record's content, not its owner).
        correctable_fields = ("date", "channel", "duration_minutes", "note")

        # First manager = default manager: pages, counts, forms and related
        # managers (client.contacts) never see records entered in error.
        objects = InForceManager.from_queryset(ClientRecordQuerySet)()
        # History, corrections and the merge see every row.
        all_objects = ClientRecordQuerySet.as_manager()

        class Meta:
            constraints = [
                # Rules of uniqueness hold among the records in force only.
                models.UniqueConstraint(
                    fields=["client", "date"],
                    condition=models.Q(entered_in_error=False),
                    name="contact_one_per_day",
                ),
            ]

and its URL, in the app's ``urls.py`` (the page lives in ``organisation.correction_views``,
because it reads the record through the access helpers)::

    path(
        "contacts/<int:pk>/correct/",
        correction_view(Contact, back=lambda contact: contact.client.get_absolute_url()),
        name="contact_correct",
    ),

The form runs the model's own ``clean()`` (the domain rules live there), so a
correction can never store what a new record could not. Raw SQL over these
tables must add ``AND NOT entered_in_error`` itself; a row it inserts without the
column is in force (the column's database default).
"""

import functools
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, cast

from django import forms
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from audit.forms import DateInput, ModelRulesOnce, version_field
from audit.versioning import save_unless_changed

ENTERED_IN_ERROR = "entered_in_error"


class Correctable(models.Model):
    """A case record that can be corrected with a reason and marked as entered in error."""

    entered_in_error = models.BooleanField(
        _("entered in error"),
        default=False,
        # Also in the database: bulk SQL (the synthetic data, the bench) names only the
        # columns it knows, and a row it inserts is in force.
        db_default=False,
        help_text=_(
            "Registered by mistake (for example on the wrong person). The record is kept in "
            "the history, but no longer shown or counted."
        ),
    )

    # The fields a correction may change; the concrete model names them.
    correctable_fields: ClassVar[Sequence[str]] = ()

    class Meta:
        abstract = True


def rules_in_force[R: Correctable](clean: Callable[[R], None]) -> Callable[[R], None]:
    """Decorate a correctable model's clean(): its rules hold for the records in force only.

    A record entered in error (on the wrong person, say) is kept as it was typed; the
    rules of the person it was wrongly put on no longer apply, so marking it never fails.
    Putting it back in force checks them again.
    """

    @functools.wraps(clean)
    def clean_in_force(record: R) -> None:
        if not record.entered_in_error:
            clean(record)

    return clean_in_force


class InForceManager(models.Manager[Any]):
    """The records in force: everything but those marked as entered in error."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(entered_in_error=False)


class CorrectionForm(ModelRulesOnce, forms.ModelForm):  # type: ignore[type-arg]
    """The record's correctable fields, the reason (required) and the entered-in-error mark."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        help_text=_(
            "Shown in the history beside the change. Write it so a colleague understands it."
        ),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["version"] = getattr(self.instance, "version", 0)

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError(_("Say why the record is corrected."))
        return reason

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        changed = [name for name in self.changed_data if name not in {"reason", "version"}]
        if not self.errors and not changed:
            raise forms.ValidationError(_("Nothing was changed: there is nothing to correct."))
        return cleaned


def correction_form_for(
    model: type[models.Model], fields: Sequence[str] | None = None
) -> type[CorrectionForm]:
    """A correction form for ``model``: its ``correctable_fields`` plus the mark."""
    names = [*(fields or cast(Any, model).correctable_fields), ENTERED_IN_ERROR]
    return cast(
        type[CorrectionForm],
        forms.modelform_factory(
            model, form=CorrectionForm, fields=names, formfield_callback=_form_field
        ),
    )


def _form_field(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """Dates as the browser's own date picker, as on every other form of HUSK."""
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        kwargs.setdefault("widget", DateInput())
    return field.formfield(**kwargs)


@transaction.atomic
def record_correct[M: models.Model](*, record: M, reason: str, expected_version: int | None) -> M:
    """Save the corrected ``record`` with ``reason`` in its history row.

    A record with a ``version`` is saved only if nobody saved it since the form
    was opened (else EditConflictError); the others are saved under a row lock.
    """
    record._change_reason = reason  # type: ignore[attr-defined]  # read by simple-history
    if hasattr(record, "version"):
        return save_unless_changed(record, expected_version=expected_version)
    type(record)._base_manager.select_for_update().filter(pk=record.pk).first()
    record.save()
    return record
