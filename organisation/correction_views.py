"""The correction page of any correctable case record, read through the access helpers."""

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.contrib import messages
from django.db import IntegrityError, models
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.corrections import ENTERED_IN_ERROR, CorrectionForm, correction_form_for, record_correct
from audit.versioning import EditConflictError
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object

CLASH = gettext_lazy(
    "The correction clashes with another record in force (for example the same person in "
    "two current families, or two open episodes): nothing was saved. Correct the other "
    "record first."
)


def correction_view(
    model: type[models.Model],
    *,
    back: Callable[[Any], str],
    fields: Sequence[str] | None = None,
    select_related: Sequence[str] = (),
    form_class: type[CorrectionForm] | None = None,
) -> Callable[..., HttpResponseBase]:
    """The view correcting one kind of record: GET shows the form, POST saves the correction.

    ``back(record)`` is the page the user returns to. Another office's record is
    a 404 and the read is logged, as on every person-level page. A record already
    marked as entered in error can still be opened (from its history) and unmarked.
    """
    form_type = form_class or correction_form_for(model, fields)
    records = cast(Any, model).all_objects.select_related(*select_related)

    @policy(PERSON_LEVEL, methods=("GET", "POST"))
    def correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        record = read_object(request, records, pk=pk)
        form = form_type(request.POST or None, instance=record)
        conflict = None
        if request.method == "POST" and form.is_valid():
            try:
                record_correct(
                    record=form.instance,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except EditConflictError as error:
                conflict = error
                form = form_type(error.retry_data(request.POST), instance=error.current)
            except IntegrityError:
                # A rule only the database can see whole: a constraint on a field the form
                # does not show (the client), or another record saved in the same moment.
                form.add_error(None, CLASH)
            else:
                if form.cleaned_data[ENTERED_IN_ERROR]:
                    messages.success(request, _("The record is marked as entered in error."))
                else:
                    messages.success(request, _("The correction is saved."))
                return redirect(back(record))
        return render(
            request,
            "includes/correction_form.html",
            {
                "form": form,
                "record": record,
                "what": model._meta.verbose_name,
                "back": back(record),
                "conflict": conflict,
            },
            status=409 if conflict else 200,
        )

    correct.__name__ = correct.__qualname__ = f"{model.__name__.lower()}_correct"
    correct.corrects = model  # type: ignore[attr-defined]  # history links to the page
    return correct
