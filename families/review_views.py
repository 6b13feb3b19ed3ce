"""The correction page of a family review: its date, its text and each of its ratings."""

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit.corrections import ENTERED_IN_ERROR
from audit.versioning import EditConflictError
from families.models import Review
from families.review_forms import ReviewCorrectionForm
from families.reviews import review_correct as review_correct_save
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object
from organisation.correction_views import CLASH


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def review_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Correct a review and its ratings with a reason, or mark it entered in error.

    The generic correction page (organisation.correction_views) saves one record; a
    review's ratings are rows of their own, saved here with the same reason. A review
    already marked as entered in error can still be opened (from the history) and unmarked.
    """
    # The family's members for the access log; the form reads the ratings itself.
    queryset = Review.all_objects.select_related("family__office").prefetch_related(
        "family__memberships"
    )
    review = read_object(request, queryset, pk=pk)
    family = review.family
    form = ReviewCorrectionForm(request.POST or None, instance=review)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            review_correct_save(
                review=form.instance,
                ratings=form.ratings,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except EditConflictError as error:
            conflict = error
            form = ReviewCorrectionForm(error.retry_data(request.POST), instance=error.current)
        except IntegrityError:
            # Another review saved on the same day in the same moment.
            form.add_error(None, CLASH)
        else:
            if form.cleaned_data[ENTERED_IN_ERROR]:
                messages.success(request, _("The record is marked as entered in error."))
            else:
                messages.success(request, _("The correction is saved."))
            return redirect("families:reviews", pk=family.pk)
    return render(
        request,
        "families/review_correct.html",
        {"form": form, "family": family, "review": review, "conflict": conflict},
        status=409 if conflict else 200,
    )


# The history page links a review's rows to this page (audit.timeline.correction_pages).
review_correct.corrects = Review  # type: ignore[attr-defined]
