"""The manager's dashboard: aggregates of their offices, never a person."""

from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render

from clients.models import Client
from dashboards.suppression import display_count
from organisation.access import AGGREGATES, AuthenticatedHttpRequest, policy
from organisation.models import Office
from organisation.roles import Role


@policy(AGGREGATES, methods=("GET",))
def dashboard_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.has_role(Role.ADMINISTRATOR):
        offices = Office.objects.all()
    else:
        offices = Office.objects.filter(
            pk__in=request.user.office_ids_for(frozenset({Role.MANAGER}))
        )
    # One grouped query for every office shown.
    counts = offices.annotate(
        active=Count("clients", filter=Q(clients__status=Client.Status.ACTIVE)),
    ).order_by("name")
    rows = [{"office": office, "active": display_count(office.active)} for office in counts]
    return render(request, "dashboards/home.html", {"rows": rows})
