"""The person picker: search clients as you type (htmx) instead of a dropdown of every name.

A caseworker types part of a name, a national identity number (11 digits) or a date
of birth (dd.mm.åååå), alone or together ("Ali 01.02.1990"). Each hit shows the name,
date of birth, office and current family, so that two "Sahra Ali" can be told apart,
and choosing one fills the field. Only clients the user may see are found (their
offices), and merged records never: they are not people, but copies of one.

Using it in another form (study participants, research sample lists …)::

    from families.picker import PersonChoiceField

    class ParticipantForm(forms.Form):
        client = PersonChoiceField(label=_("Participant"))

        def __init__(self, *args, user, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["client"].for_user(user)   # whose clients are searched

and render ``{{ form.media }}`` in the page (the picker's little script keeps Enter
in the search box from submitting the form). The field cleans to a ``Client`` like a
``ModelChoiceField``; a forged id of a client the user may not see, or of a merged
record, is refused as an invalid choice. The search and choose endpoints are
``families:picker_search`` and ``families:picker_choose`` (POST only, so no name or
number ever appears in a URL or a server log); both log what they show in the
access log. A page that shows its form again after an error calls
``record_chosen(request, form)`` first, so the person shown as chosen is logged too.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from audit.access_log import record_read
from audit.models import AccessLog
from clients.models import Client, folded_name_contains
from families.models import FamilyMember
from organisation.models import User

MAX_HITS = 20
_DATE = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$")
# A group of a number as people type it: digits, with the dots and hyphens they put in.
_NUMBER_GROUP = re.compile(r"^[0-9][0-9.-]*$")
_ASCII_DIGITS = frozenset("0123456789")
_IDENTIFIER_OF_LENGTH = {11: "national_id", 12: "duf_number"}
# The picker's name and the id of its search box travel with each request (hx-vals);
# only these shapes are accepted, as they are written into the page again.
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
HTML_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,79}$")


def pickable(user: User) -> QuerySet[Client]:
    """The clients a picker may offer this user: their offices', never a merged record."""
    return (
        Client.objects.visible_to(user)
        .exclude(status=Client.Status.MERGED)
        .select_related("office")
        .order_by("last_name", "first_name", "birth_date", "pk")
    )


def parse_query(query: str) -> tuple[list[str], datetime.date | None, dict[str, str]]:
    """The words of a name, a date of birth and an identifier found in what was typed.

    A number is typed the way it is written down: "01018012345", "010180 12345",
    "010180.12345", "01.01.80 123 45". Neighbouring groups of digits (with dots or
    hyphens) that make 11 digits together are a national id, 12 a DUF number. A date
    with a four-digit year (dd.mm.åååå) is a date of birth, never part of a number.

    Raises ValueError for a date that does not exist (31.02.2010).
    """
    words: list[str] = []
    birth: datetime.date | None = None
    identifiers: dict[str, str] = {}
    run: list[str] = []  # neighbouring groups of digits, read together

    def end_run() -> None:
        digits = "".join(ch for token in run for ch in token if ch in _ASCII_DIGITS)
        if kind := _IDENTIFIER_OF_LENGTH.get(len(digits)):
            identifiers[kind] = digits
        else:
            words.extend(run)  # as before: a number that is no identifier finds no name
        run.clear()

    for token in query.split():
        if match := _DATE.match(token):
            end_run()
            day, month, year = (int(part) for part in match.groups())
            birth = datetime.date(year, month, day)
        elif _NUMBER_GROUP.match(token):
            run.append(token)
        else:
            end_run()
            words.append(token)
    end_run()
    return words, birth, identifiers


def person_search(*, user: User, query: str) -> list[Client]:
    """Clients matching every part of the query, at most MAX_HITS, with ``current_family``."""
    words, birth, identifiers = parse_query(query)
    clients = pickable(user).filter(**identifiers)
    if birth is not None:
        clients = clients.filter(birth_date=birth)
    if words:
        clients = clients.filter(folded_name_contains(" ".join(words)))
    hits = list(clients[:MAX_HITS])
    annotate_families(hits, user=user)
    return hits


@dataclass(frozen=True)
class CurrentFamily:
    name: str  # empty when the family belongs to an office the user does not work for
    since: datetime.date
    family_id: int


def annotate_families(clients: list[Client], *, user: User) -> None:
    """Set ``current_family`` (CurrentFamily or None) on each client, in one query."""
    memberships = FamilyMember.objects.filter(
        client__in=[c.pk for c in clients], left_on__isnull=True
    ).select_related("family")
    offices = set(user.person_level_office_ids)
    current = {
        m.client_id: CurrentFamily(
            name=m.family.name if m.family.office_id in offices else "",
            since=m.joined_on,
            family_id=m.family_id,
        )
        for m in memberships
    }
    for client in clients:
        client.current_family = current.get(client.pk)  # type: ignore[attr-defined]


class PersonPickerWidget(forms.Widget):
    """A search box, the hits below it, and the chosen client as a hidden value."""

    template_name = "families/includes/person_picker.html"

    class Media:
        js = ["js/person-picker.js"]

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.user: User | None = None

    def chosen(self, value: Any) -> Client | None:
        """The client shown as chosen: ``value`` is an id, or a client fetched already."""
        if self.user is None or value in (None, ""):
            return None
        if isinstance(value, Client):
            # Fetched (and its read logged) by the caller: render_picker.
            client: Client | None = value
        else:
            try:
                client = pickable(self.user).filter(pk=int(value)).first()
            except (TypeError, ValueError):
                return None
        if client is not None:
            annotate_families([client], user=self.user)
        return client

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            chosen=self.chosen(value),
            # The help text and errors the form links to the field (crispy sets them).
            describedby=context["widget"]["attrs"].get("aria-describedby", ""),
            invalid="is-invalid" in context["widget"]["attrs"].get("class", ""),
            search_url=reverse("families:picker_search"),
            choose_url=reverse("families:picker_choose"),
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        # The project's templates, not the form renderer's (which sees only the apps' own).
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))  # noqa: S308


class PersonChoiceField(forms.ModelChoiceField[Client]):
    """A client chosen with the person picker; ``for_user(user)`` before use."""

    widget = PersonPickerWidget

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Client.objects.none(), **kwargs)

    def for_user(self, user: User) -> None:
        self.queryset = pickable(user)
        assert isinstance(self.widget, PersonPickerWidget)
        self.widget.user = user


def record_chosen(request: HttpRequest, form: forms.BaseForm) -> None:
    """Log the clients a bound form's pickers will show as chosen (name, birth date, family)."""
    cleaned = getattr(form, "cleaned_data", {})
    chosen = [
        cleaned[name].pk
        for name, field in form.fields.items()
        if isinstance(field, PersonChoiceField) and isinstance(cleaned.get(name), Client)
    ]
    if chosen:
        record_read(request, action=AccessLog.Action.VIEW, client_ids=chosen)


def render_picker(*, name: str, html_id: str, user: User, client: Client | None) -> str:
    """The picker as the endpoints send it back: empty, or showing the chosen client.

    ``client`` comes from ``pickable(user)``, through read_object: it is not fetched again.
    """
    widget = PersonPickerWidget()
    widget.user = user
    return widget.render(name, client, attrs={"id": html_id})


class PickerForm(forms.Form):
    """Which picker a request comes from: its field name and the id of its search box."""

    picker = forms.RegexField(regex=NAME)
    picker_id = forms.RegexField(regex=HTML_ID)


class SearchForm(forms.Form):
    """What was typed in a picker's search box (prefixed with the picker's name)."""

    query = forms.CharField(max_length=100, strip=True)

    def clean_query(self) -> str:
        query: str = self.cleaned_data["query"]
        if len(query.replace(" ", "")) < 2:
            raise forms.ValidationError(_("Type at least two letters or digits."))
        try:
            parse_query(query)
        except ValueError:
            raise forms.ValidationError(
                _("There is no such date: write it as dd.mm.åååå.")
            ) from None
        return query


class ChooseForm(forms.Form):
    """The client chosen among the hits (empty: choose someone else)."""

    picker_choice = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


def hits_html(*, hits: list[Client] | None, error: str, name: str, html_id: str) -> str:
    return render_to_string(
        "families/includes/person_picker_hits.html",
        {
            "hits": hits,
            # A full page of hits: there may be more than are shown.
            "more": hits is not None and len(hits) >= MAX_HITS,
            "error": error,
            "name": name,
            "picker_id": html_id,
            "choose_url": reverse("families:picker_choose"),
        },
    )
