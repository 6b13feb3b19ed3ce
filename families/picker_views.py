"""The person picker's endpoints: the hits for what was typed, and the chosen person."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.models import AccessLog
from families.picker import (
    ChooseForm,
    PickerForm,
    SearchForm,
    hits_html,
    person_search,
    pickable,
    render_picker,
)
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object


def _unreadable() -> HttpResponse:
    """A request the picker's own page never sends (a forged or damaged form): say so."""
    return HttpResponseBadRequest(
        format_html(
            '<div class="alert alert-warning" role="alert">{}</div>',
            _("The search could not be read. Reload the page and try again."),
        )
    )


def _picker(request: AuthenticatedHttpRequest) -> tuple[str, str] | None:
    form = PickerForm(request.POST)
    if not form.is_valid():
        return None
    return form.cleaned_data["picker"], form.cleaned_data["picker_id"]


@policy(PERSON_LEVEL, methods=("POST",))
def picker_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The hits for what was typed in a picker: POST, so that no name is ever in a URL."""
    picker = _picker(request)
    if picker is None:
        return _unreadable()
    name, html_id = picker
    form = SearchForm(request.POST, prefix=name)
    hits, error = None, ""
    if form.is_valid():
        hits = person_search(user=request.user, query=form.cleaned_data["query"])
        record_read(request, action=AccessLog.Action.SEARCH, client_ids=[c.pk for c in hits])
    elif form["query"].value():
        error = " ".join(str(message) for message in form.errors["query"])
    return HttpResponse(hits_html(hits=hits, error=error, name=name, html_id=html_id))


@policy(PERSON_LEVEL, methods=("POST",))
def picker_choose(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The picker showing the chosen client (a read, logged), or empty again."""
    picker = _picker(request)
    form = ChooseForm(request.POST)
    if picker is None or not form.is_valid():
        return _unreadable()
    name, html_id = picker
    client = None
    if form.cleaned_data["picker_choice"] is not None:
        client = read_object(request, pickable(request.user), pk=form.cleaned_data["picker_choice"])
    return HttpResponse(render_picker(name=name, html_id=html_id, user=request.user, client=client))
