"""The family coordinator's pages."""

from django.http import HttpResponse
from django.shortcuts import render

from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy


@policy(PERSON_LEVEL, methods=("GET",))
def coordinator_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "families/home.html", {"offices": request.user.offices})
