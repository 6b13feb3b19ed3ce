"""The researcher's pages: projects and exports, never a person."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organisation.access import RESEARCH, policy


@policy(RESEARCH, methods=("GET",))
def researcher_home(request: HttpRequest) -> HttpResponse:
    return render(request, "research/home.html")
