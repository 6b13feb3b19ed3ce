"""Project-wide views: the role-based home redirect and the health check."""

from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from organisation.access import LOGGED_IN, PUBLIC, AuthenticatedHttpRequest, policy
from organisation.roles import HOME_PRIORITY, Role

HOME_OF_ROLE = {
    Role.COORDINATOR: "families:home",
    Role.CASEWORKER: "followup:caseload",
    Role.MANAGER: "dashboards:home",
    Role.RESEARCHER: "research:home",
    Role.ADMINISTRATOR: "organisation:home",
    Role.ACCESS_LOG_READER: "organisation:access_log",
}


@policy(LOGGED_IN, methods=("GET",))
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send each user to the home page of their main role."""
    for role in HOME_PRIORITY:
        if request.user.has_role(role):
            return redirect(HOME_OF_ROLE[role])
    return render(request, "no_role.html")


@policy(PUBLIC, methods=("GET",))
def health(request: HttpRequest) -> HttpResponse:
    """Answer 200 only if a brand-new database connection works."""
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    finally:
        connection.close()
    return JsonResponse({"status": "ok"})


@policy(PUBLIC, methods=("GET",))
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and tools that ignore the page's icon link ask for /favicon.ico."""
    return redirect(static("img/favicon.svg"), permanent=True)
