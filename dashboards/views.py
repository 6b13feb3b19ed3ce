"""The manager's dashboard: aggregates of their offices, never a person."""

import csv
import io
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render

from dashboards import page
from dashboards.figures import Scope
from dashboards.forms import DashboardForm
from dashboards.suppression import LEGEND
from organisation.access import AGGREGATES, AuthenticatedHttpRequest, policy
from organisation.models import Office, User
from organisation.roles import Role


def _offices_of(user: User) -> list[Office]:
    """Administrators see every office; managers the offices they manage."""
    if user.has_role(Role.ADMINISTRATOR):
        return list(Office.objects.order_by("name"))
    return list(
        Office.objects.filter(pk__in=user.office_ids_for(frozenset({Role.MANAGER}))).order_by(
            "name"
        )
    )


def _dashboard(request: AuthenticatedHttpRequest) -> tuple[DashboardForm, page.Dashboard | None]:
    offices = _offices_of(request.user)
    defaults = DashboardForm(offices=offices).initial
    # What the request leaves out is the default: all offices, the last twelve months.
    data = {**{k: _as_text(v) for k, v in defaults.items()}, **request.GET.dict()}
    form = DashboardForm(data, offices=offices)
    if not offices or not form.is_valid():
        if form.errors.get("office") or form.errors.get("programme"):
            # A tampered office or programme widens nothing: it is not found.
            raise Http404
        return form, None
    start, end = form.period()
    scope = Scope(
        offices=tuple(form.chosen_offices()),
        start=start,
        end=end,
        programme=form.cleaned_data.get("programme"),
    )
    return form, page.build(scope, drill_down_offices=request.user.person_level_office_ids)


def _as_text(value: object) -> str:
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m"))
    return str(value)


@policy(AGGREGATES, methods=("GET",))
def dashboard_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, dashboard = _dashboard(request)
    query = urlencode({name: form[name].value() or "" for name in form.fields})
    return render(
        request,
        "dashboards/home.html",
        {"form": form, "dashboard": dashboard, "legend": LEGEND, "query": query},
    )


@policy(AGGREGATES, methods=("GET",))
def dashboard_download(request: AuthenticatedHttpRequest, slug: str, fmt: str) -> HttpResponse:
    """One table of the dashboard as CSV or XLSX, with the same counts hidden as on the page."""
    _form, dashboard = _dashboard(request)
    table = dashboard.table(slug) if dashboard else None
    if table is None or fmt not in {"csv", "xlsx"}:
        raise Http404
    rows = table.as_rows()
    filename = f"husk-{slug}-{dashboard.scope.start:%Y%m}-{dashboard.scope.end:%Y%m}"  # type: ignore[union-attr]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([table.title])
        writer.writerows(rows)
        writer.writerow([str(LEGEND)])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        import xlsxwriter

        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            output,
            {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False},
        )
        sheet = workbook.add_worksheet(slug[:31])
        sheet.write_string(0, 0, table.title)
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row):
                if value.isdigit():
                    sheet.write_number(r, c, int(value))
                else:
                    sheet.write_string(r, c, value)
        sheet.write_string(len(rows) + 3, 0, str(LEGEND))
        workbook.close()
        response = HttpResponse(
            output.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
