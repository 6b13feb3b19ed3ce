"""The manager's dashboard: aggregates of their offices, never a person."""

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render

from core.cells import neutralise
from core.db_router import reading_from_replica
from dashboards import page
from dashboards.figures import Scope
from dashboards.forms import DashboardForm
from dashboards.suppression import LEGEND
from organisation.access import AGGREGATES, AuthenticatedHttpRequest, policy
from organisation.models import Office, User
from organisation.selectors import offices_managed_by


def _offices_of(user: User) -> list[Office]:
    """Administrators see every office; managers the offices they manage."""
    return list(offices_managed_by(user).order_by("name"))


@dataclass(frozen=True)
class Choice:
    scope: Scope  # every office the user may see (see dashboards.page)
    chosen: list[int]  # the offices shown
    drill_down_offices: list[int]
    query: str  # the choice, for the download links


def _choice(request: AuthenticatedHttpRequest) -> tuple[DashboardForm, Choice | None]:
    offices = _offices_of(request.user)
    defaults = DashboardForm(offices=offices).initial
    # What the request leaves out is the default: all offices, the last twelve months.
    data = {**{k: _as_text(v) for k, v in defaults.items()}, **request.GET.dict()}
    form = DashboardForm(data, offices=offices)
    if not offices:
        return form, None
    if not form.is_valid():
        # A tampered office or programme widens nothing: it is refused at the field, and
        # nothing is counted.
        return form, None
    start, end = form.period()
    # Counted for every office the user may see, whichever is chosen (see dashboards.page).
    scope = Scope(
        offices=tuple(offices), start=start, end=end, programme=form.cleaned_data.get("programme")
    )
    chosen = [o.pk for o in form.chosen_offices()]
    return form, Choice(scope, chosen, list(request.user.person_level_office_ids), _query(form))


def _query(form: DashboardForm) -> str:
    """The choice as the download links repeat it, as cleaned: `05` and `5` are one
    programme, and one kept page (dashboards.snapshots.page_of)."""
    data = form.cleaned_data
    programme = data.get("programme")
    return urlencode(
        {
            "office": data["office"],
            "programme": programme.pk if programme else "",
            "start": _as_text(data["start"]),
            "end": _as_text(data["end"]),
        }
    )


def _as_text(value: object) -> str:
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m"))
    return str(value)


@policy(AGGREGATES, methods=("GET",))
def dashboard_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, choice = _choice(request)
    body = None
    if choice is not None:
        # Who may see which offices was decided above on the primary; only the counting,
        # heavy and content to lag a moment behind, goes to the read replica if there is one.
        with reading_from_replica():
            body = page.rendered(
                choice.scope,
                chosen=choice.chosen,
                drill_down_offices=choice.drill_down_offices,
                query=choice.query,
            )
    return render(request, "dashboards/home.html", {"form": form, "body": body})


@policy(AGGREGATES, methods=("GET",))
def dashboard_download(request: AuthenticatedHttpRequest, slug: str, fmt: str) -> HttpResponse:
    """One table of the dashboard as CSV or XLSX, with the same counts hidden as on the page."""
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    _form, choice = _choice(request)
    if choice is None:
        raise Http404
    with reading_from_replica():
        dashboard = page.build(
            choice.scope, chosen=choice.chosen, drill_down_offices=choice.drill_down_offices
        )
    if (table := dashboard.table(slug)) is None:
        raise Http404
    rows = table.as_rows()
    filename = f"husk-{slug}-{dashboard.scope.start:%Y%m}-{dashboard.scope.end:%Y%m}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([table.title])
        if table.note:
            writer.writerow([table.note])
        # Labels are names (caseworkers, offices, codes) a spreadsheet might run as a formula;
        # the counts are the page's own text ("<5", "+1,5") and are written as they are.
        headers, *body = rows
        writer.writerow([neutralise(h) for h in headers])
        writer.writerows([neutralise(label), *cells] for label, *cells in body)
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
        if table.note:
            sheet.write_string(1, 0, table.note)
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
