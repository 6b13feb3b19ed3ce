"""The benchmark's yardstick page, routed only where BENCH_REFERENCE_PAGE is on."""

from django.http import HttpResponse
from django.shortcuts import render

from organisation.access import LOGGED_IN, AuthenticatedHttpRequest, policy
from organisation.models import Office


@policy(LOGGED_IN, methods=("GET",))
def reference(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One indexed query and a tiny template, through the same middleware (session,
    authentication, security headers) as every other page."""
    office = Office.objects.filter(pk__in=request.user.person_level_office_ids[:1]).first()
    return render(request, "reference.html", {"office": office})
