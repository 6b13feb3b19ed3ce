"""The administrator's home: offices and who works in them."""

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organisation.access import ADMINISTRATION, policy
from organisation.models import Office
from organisation.roles import Role


@policy(ADMINISTRATION, methods=("GET",))
def admin_home(request: HttpRequest) -> HttpResponse:
    offices = Office.objects.annotate(
        **{
            f"{role.value}_count": Count("memberships", filter=Q(memberships__role=role))
            for role in (Role.CASEWORKER, Role.COORDINATOR, Role.MANAGER)
        }
    )
    return render(request, "organisation/admin_home.html", {"offices": offices})
