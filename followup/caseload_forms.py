"""Forms of the caseload: its filters (from the query string) and the caseworker's saved filters."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from codelists.models import Code, CodeList
from followup.models import Programme, SavedFilter
from organisation.models import User

# More pages than any office has clients: a larger number is a mistyped or crafted link.
MAX_PAGE = 100_000
# The keys a saved filter keeps (the page is not part of a filter).
FILTER_KEYS = ("view", "due", "status", "programme", "benefit")


class CaseloadFilterForm(forms.Form):
    """The caseload's filters, read from the query string; what is not understood is left out."""

    view = forms.ChoiceField(
        label=_("Clients"),
        required=False,
        choices=[
            ("mine", _("Mine")),
            ("office", _("Whole office")),
            ("unassigned", _("Unassigned")),
        ],
    )
    due = forms.ChoiceField(
        label=_("Contact"),
        required=False,
        choices=[
            ("", _("All")),
            ("overdue", _("Overdue")),
            ("today", _("Meetings today")),
            ("new", _("New (no contact yet)")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("Active")), ("inactive", _("Inactive"))],
    )
    programme = forms.ChoiceField(label=_("Programme"), required=False)
    benefit = forms.ChoiceField(label=_("Benefit"), required=False)
    page = forms.IntegerField(
        label=_("Page"),
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={"invalid": _("The page must be a whole number.")},
    )

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data)
        programmes = Programme.objects.filter(office__in=user.person_level_office_ids)
        benefits = Code.objects.offered(CodeList.BENEFIT_KIND)
        # Lists, not querysets: read once, for checking and for drawing the page alike.
        choices = {
            "programme": [(str(p.pk), p.name) for p in programmes],
            "benefit": [(b.code, str(b)) for b in benefits],
        }
        for name, offered in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", _("All")), *offered]
        for name in FILTER_KEYS:
            self.fields[name].widget.attrs["class"] = "form-select"

    def filters(self) -> dict[str, str]:
        """The filters understood (call after is_valid()); empty values are left out."""
        cleaned = getattr(self, "cleaned_data", {})
        return {key: str(cleaned[key]) for key in FILTER_KEYS if cleaned.get(key)}

    def problems(self) -> list[str]:
        """One line per filter value that was not understood, naming the filter."""
        return [
            f"{self.fields[name].label}: {' '.join(str(e) for e in errors)}"
            for name, errors in self.errors.items()
            if name != "page"
        ]

    def page_problem(self) -> str | None:
        """Why the page number was not understood, if it was not."""
        errors = self.errors.get("page")
        return " ".join(str(e) for e in errors) if errors else None

    def query(self) -> str:
        """The filters understood, as a query string (for saving and for links)."""
        encoded = QueryDict(mutable=True)
        encoded.update(self.filters())
        return encoded.urlencode()

    def query_with_page(self) -> str:
        """The filters understood and the page, if one past the first: where the list is."""
        encoded = QueryDict(self.query(), mutable=True)
        page = getattr(self, "cleaned_data", {}).get("page")
        if page and page > 1:
            encoded["page"] = str(page)
        return encoded.urlencode()


class CaseloadReturnForm(forms.Form):
    """Where on the caseload a form posted from it returns to: its filters and page.

    Read back through the filter form, so only the caseload's own keys and values
    understood survive; the address is always the caseload's own (never an open redirect).
    """

    back = forms.CharField(required=False, max_length=1000)

    def __init__(self, data: QueryDict, *, user: User) -> None:
        super().__init__(data)
        self.user = user

    def query(self) -> str:
        back = self.cleaned_data.get("back", "") if self.is_valid() else ""
        listing = CaseloadFilterForm(QueryDict(back), user=self.user)
        listing.is_valid()
        return listing.query_with_page()


def _filter_query(value: str, user: User) -> str:
    """A saved filter's query string, normalised; refused if it holds values not understood."""
    form = CaseloadFilterForm(QueryDict(value), user=user)
    if not form.is_valid() and form.problems():
        raise ValidationError(
            _("The filter could not be saved: %(problems)s"),
            params={"problems": "; ".join(form.problems())},
        )
    return form.query()


class _SavedFilterName(forms.ModelForm[SavedFilter]):
    """The name of a saved filter: not empty, and not one the caseworker already uses."""

    class Meta:
        model = SavedFilter
        fields = ["name"]
        error_messages = {
            "name": {
                "required": _("Give the filter a name."),
                "max_length": _("The name can be at most %(limit_value)d characters."),
            }
        }

    def __init__(self, *args: Any, owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.owner = owner
        self.owner = owner

    def others_named(self, name: str) -> Any:
        """The caseworker's other filters with this name (upper or lower case alike)."""
        others = SavedFilter.objects.filter(owner=self.owner, name__iexact=name)
        return others.exclude(pk=self.instance.pk) if self.instance.pk else others


class SavedFilterForm(_SavedFilterName):
    """Saving the caseload's current filters under a name.

    Saving under a name already in use replaces what that filter shows (the view
    says so), since that is what saving "Mine overdue" again means.
    """

    query = forms.CharField(required=False, max_length=500)

    class Meta(_SavedFilterName.Meta):
        fields = ["name", "query"]

    def clean_query(self) -> str:
        return _filter_query(self.cleaned_data.get("query") or "", self.owner)

    def existing(self) -> SavedFilter | None:
        """The caseworker's filter of the same name, which saving will update."""
        name = self.cleaned_data.get("name")
        return self.others_named(name).first() if name else None


class SavedFilterRenameForm(_SavedFilterName):
    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if self.others_named(name).exists():
            raise ValidationError(
                _("You already have a filter named %(name)s."), params={"name": name}
            )
        return name
