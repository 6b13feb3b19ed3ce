"""Hostile input for the fuzz tests: the site's URL patterns, the forms read from a page,
and the values a careless or malicious user could send (see tests/test_fuzz_views.py)."""

import inspect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import strategies as st

from tests.dates import today

# Routes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern of the site, with the namespaced name that reverse() takes."""

    name: str
    route: str
    pattern: URLPattern
    methods: frozenset[str] | None  # None: the view answers any method


def _methods_of(callback: Any) -> frozenset[str] | None:
    """The methods given to @policy(..., methods=...), read from the guard's closure."""
    try:
        methods = inspect.getclosurevars(callback).nonlocals.get("methods")
    except (TypeError, ValueError):
        return None
    return methods if isinstance(methods, frozenset) else None


def site_routes() -> list[Route]:
    """Every URL pattern of the site, found by walking the resolver (the admin included)."""

    def walk(
        entries: list[URLPattern | URLResolver], prefix: str, namespace: str
    ) -> Iterator[Route]:
        for entry in entries:
            if isinstance(entry, URLResolver):
                inner = entry.namespace
                joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), joined or "")
            else:
                name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
                yield Route(name, prefix + str(entry.pattern), entry, _methods_of(entry.callback))

    return list(walk(get_resolver().url_patterns, "", ""))


# Which model a path's id names: the segment before it ("assessments/<int:pk>" is an
# assessment), or the parameter's own name ("client_pk" is a client).
_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _model_for(segment: str, app_label: str) -> type[Model] | None:
    singular = segment[:-1] if segment.endswith("s") else segment
    candidates = [
        model
        for model in apps.get_models()
        if not model.__name__.startswith("Historical") and singular in model._meta.model_name
    ]
    # The namespace's own app first, then an exact name, then the shortest name.
    candidates.sort(
        key=lambda m: (
            m._meta.app_label != app_label,
            m._meta.model_name != singular,
            len(m._meta.model_name),
        )
    )
    return candidates[0] if candidates else None


def route_models(route: Route) -> dict[str, type[Model] | None]:
    """For each path parameter of the route, the model whose ids it takes."""
    app_label = route.name.split(":")[0] if ":" in route.name else ""
    found: dict[str, type[Model] | None] = {}
    for match in _PARAMETER.finditer(route.route):
        name = match.group(2)
        if name.endswith("_pk"):
            found[name] = _model_for(name.removesuffix("_pk"), app_label)
        else:
            before = route.route[: match.start()].rstrip("/").split("/")
            found[name] = _model_for(before[-1] if before[-1] else "", app_label)
    return found


def ids_for(model: type[Model], user: Any, how_many: int = 2) -> list[int]:
    """A few ids of the model, of objects the user sees where the model says who sees what."""
    queryset = model._default_manager.all()
    if hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(user)
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:how_many])


# Pages ------------------------------------------------------------------------


@dataclass
class Field:
    """One named control of a form, with what a browser would send by default."""

    name: str
    tag: str  # input, select, textarea, button
    type: str = "text"
    value: str = ""
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    checked: bool = False
    multiple: bool = False


@dataclass
class Form:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return sorted({f.name for f in self.fields})

    def defaults(self) -> dict[str, list[str]]:
        """What the browser submits untouched (the first named submit button pressed)."""
        data: dict[str, list[str]] = {}
        pressed = False
        for control in self.fields:
            kind = control.type
            if control.tag == "select":
                chosen = control.selected or (control.options[:1] if not control.multiple else [])
                data.setdefault(control.name, []).extend(chosen)
            elif control.tag == "textarea":
                data.setdefault(control.name, []).append(control.value)
            elif kind in {"checkbox", "radio"}:
                if control.checked:
                    data.setdefault(control.name, []).append(control.value or "on")
            elif kind in {"submit", "image"} or control.tag == "button":
                if not pressed:
                    data.setdefault(control.name, []).append(control.value)
                    pressed = True
            elif kind not in {"file", "reset"}:
                data.setdefault(control.name, []).append(control.value)
        return data

    def filled(self) -> dict[str, list[str]]:
        """The defaults with every empty control given a plausible value, as a user who
        filled in the form would send: then one spoiled control is what the form judges."""
        data = self.defaults()
        for control in self.fields:
            if data.get(control.name, [""]) not in ([], [""]):
                continue
            if plausible := _plausible(control):
                data[control.name] = [plausible]
        return data

    def worst_for(self, control: Field) -> str:
        """The hostile value most likely to get past a form to the database for a control."""
        numeric_options = any(o.isdigit() for o in control.options)
        if control.type == "number" or control.type == "hidden" or numeric_options:
            return str(2**70)
        if control.type == "date" or _DATE.fullmatch(control.value):
            return "31.02.2024"
        if control.tag == "select" or control.type in {"checkbox", "radio"}:
            return "not-a-choice"
        if control.tag == "textarea":
            return HUGE
        return "a\x00b"


_DATE = re.compile(r"\d{4}-\d\d-\d\d|\d\d\.\d\d\.\d{4}")


def _plausible(control: Field) -> str | None:
    if control.tag == "select":
        return next((o for o in control.options if o), None)
    if control.type in {"checkbox", "radio"}:
        return None  # unticked is plausible
    if control.type == "date":
        return today().isoformat()
    if control.type == "number":
        return "3"
    if control.type == "email":
        return "test@husk.invalid"
    if control.tag == "textarea" or control.type in {"text", "search"}:
        return "Test"
    return None


@dataclass
class Page:
    url: str
    links: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page(url)
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: Field | None = None

    def _absolute(self, href: str) -> str:
        return urljoin(self.page.url, href)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "a" and "href" in a:
            self.page.links.append(self._absolute(a["href"]))
        if "hx-get" in a:
            self.page.links.append(self._absolute(a["hx-get"]))
        if tag == "form":
            method = (a.get("method") or "get").lower()
            action = a.get("hx-post") or a.get("action") or ""
            if a.get("hx-post"):
                method = "post"
            self._form = Form(method, self._absolute(action))
            self.page.forms.append(self._form)
            return
        if "hx-post" in a:
            self._htmx_post(a)
        if self._form is None or "name" not in a or not a["name"]:
            if tag == "option" and self._select is not None:
                self._start_option(a)
            return
        if tag == "input":
            self._form.fields.append(
                Field(
                    a["name"],
                    "input",
                    (a.get("type") or "text").lower(),
                    a.get("value", ""),
                    checked="checked" in a,
                )
            )
        elif tag == "button":
            self._form.fields.append(Field(a["name"], "button", "submit", a.get("value", "")))
        elif tag == "select":
            self._select = Field(a["name"], "select", "select", multiple="multiple" in a)
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea", "textarea")
            self._form.fields.append(self._textarea)

    def _htmx_post(self, a: dict[str, str]) -> None:
        """An element posting by itself (htmx): its hx-vals, and its own value if named."""
        try:
            values = json.loads(a.get("hx-vals") or "{}")
        except json.JSONDecodeError:
            values = {}
        form = Form("post", self._absolute(a["hx-post"]))
        form.fields = [Field(k, "input", "hidden", str(v)) for k, v in values.items()]
        if a.get("name"):
            kind = (a.get("type") or "text").lower()
            form.fields.append(Field(a["name"], "input", kind, a.get("value", "")))
        self.page.forms.append(form)

    def _start_option(self, a: dict[str, str]) -> None:
        self._option = (a.get("value"), "selected" in a)
        self._option_text = ""

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            value = self._option_text.strip() if value is None else value
            self._select.options.append(value)
            if selected:
                self._select.selected.append(value)
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def parse_page(url: str, html: str) -> Page:
    """The links (href, hx-get) and forms (with their controls) of a rendered page."""
    parser = _PageParser(url)
    parser.feed(html)
    parser.close()
    return parser.page


def same_site_path(url: str, host: str = "testserver") -> str | None:
    """The path and query of a link to this site, or None for another site / scheme."""
    parts = urlsplit(url)
    if parts.scheme not in {"", "http", "https"} or parts.netloc not in {"", host}:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Counting rows ----------------------------------------------------------------

# Written by reading or by the machinery, not by a form: the access log (every read of a
# person is logged), sessions, login attempts, kept dashboard figures, queued tasks.
UNTRACKED_APPS = {"audit", "sessions", "axes", "dashboards", "django_tasks_database", "admin"}


def tracked_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in UNTRACKED_APPS and model._meta.managed
    )


def row_counts(tables: list[str]) -> dict[str, int]:
    """The row count of every table in one query (the fuzz loop counts before and after
    every request)."""
    quoted = ", ".join(
        # Table names from the models, never from input.
        f"(SELECT count(*) FROM {connection.ops.quote_name(table)})"  # noqa: S608
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted}")
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


# Hostile values ---------------------------------------------------------------

HUGE = (
    "Å" * 2_000 + "x" * 8_000
)  # 12 kB: past every length limit, and 30 of it stay under the upload limit
NUMBERS = [
    "-1",
    "0",
    "-0",
    "1.5",
    "-2147483649",
    str(2**31),
    str(2**63),
    str(2**70),
    str(-(2**70)),
    "1e309",
    "NaN",
    "inf",
    "0x10",
    "٣",  # an Arabic-Indic digit: int() reads it, a database column may not
]
DATES = [
    "31.02.2024",
    "2024-02-31",
    "00.00.0000",
    "32.13.2024",
    "01.01.1800",
    "1800-01-01",
    "01.01.0001",
    "31.12.9999",
    "9999-12-31",
    "10000-01-01",
    "2024-13-01",
    "1.1.1",
    "i dag",
    "01.01.2099",
]
STRINGS = [
    "",
    " ",
    "a\x00b",
    "\x00",
    HUGE,
    "<script>alert(1)</script>",
    "'; DROP TABLE clients_client; --",
    "Ærlig Øystein Ål",
    "\u202e\u200b\ufeff",
    "🦆" * 50,
    "%",
    "\\",
    "\r\n",
]
UNKNOWN_CHOICES = ["not-a-choice", "merged", "MERGED", "999999999", "-1", str(2**70), "on"]

FIXED = STRINGS + NUMBERS + DATES + UNKNOWN_CHOICES


def hostile() -> st.SearchStrategy[str]:
    """Any one hostile value: the fixed collection above or generated text and numbers."""
    return st.one_of(
        st.sampled_from(FIXED),
        st.text(max_size=60),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
        st.builds(
            lambda day, month, year: f"{day}.{month}.{year}",
            st.integers(-1, 40),
            st.integers(-1, 14),
            st.integers(0, 12000),
        ),
    )


def value_for(control: Field) -> st.SearchStrategy[str]:
    """A hostile value for a control, or (often) a valid one so that the other controls are
    what the form has to judge."""
    valid = [o for o in control.options if o] or ([control.value] if control.value else [])
    strategies = [hostile()]
    if valid:
        strategies.append(st.sampled_from(valid))
    return st.one_of(*strategies)


CSRF_FIELD = "csrfmiddlewaretoken"


@st.composite
def form_data(draw: Any, form: Form) -> dict[str, list[str]]:
    """The browser's defaults with a few controls spoiled, removed, or unknown ones added."""
    data = form.filled() if draw(st.booleans()) else form.defaults()
    # The CSRF token is left alone: a browser always sends it (the test client checks none).
    controls = {c.name: c for c in form.fields if c.name != CSRF_FIELD}
    names = sorted(controls)
    if names:
        spoiled = draw(st.lists(st.sampled_from(names), max_size=min(4, len(names)), unique=True))
        for name in spoiled:
            # A hidden control stays (spoiled, not dropped): without the one naming which
            # of a page's forms was sent, a view cannot tell, and need not.
            ways = ["one", "one", "one", "many"] + (
                [] if controls[name].type == "hidden" else ["missing"]
            )
            how = draw(st.sampled_from(ways))
            if how == "missing":
                data.pop(name, None)
            elif how == "many":
                data[name] = draw(st.lists(value_for(controls[name]), min_size=2, max_size=3))
            else:
                data[name] = [draw(value_for(controls[name]))]
    if draw(st.booleans()):
        data[draw(st.sampled_from(["id", "pk", "version", "next", "x"]))] = [draw(hostile())]
    return data


EXTRA_QUERY_PARAMETERS = [
    "page",
    "q",
    "a",
    "b",
    "year",
    "office",
    "sort",
    "order",
    "status",
    "from",
    "to",
    "date",
    "next",
    "period",
    "scope",
    "fmt",
    "format",
    "type",
    "user",
    "client",
]


@st.composite
def query_data(draw: Any, names: list[str]) -> dict[str, list[str]]:
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
    return {
        name: draw(st.lists(hostile(), min_size=1, max_size=2).map(lambda v: v[:2]))
        for name in chosen
    }


def shorten(
    data: dict[str, list[str]], defaults: dict[str, list[str]] | None = None, limit: int = 80
) -> str:
    """The input as a failure message shows it: only what differs from the form's defaults
    (the rest is as the page offered it), huge values cut, NUL bytes visible."""

    def cut(value: str) -> str:
        return repr(value) if len(value) <= limit else f"{value[:12]!r}…<{len(value)} chars>"

    defaults = defaults or {}
    shown = [
        f"{key}={'|'.join(cut(v) for v in values) if values else '<none>'}"
        for key, values in sorted(data.items())
        if key != CSRF_FIELD and defaults.get(key) != values
    ] + [f"{key}=<missing>" for key in sorted(defaults) if key not in data]
    if not shown:
        return "the form's own defaults" if defaults else "no parameters"
    return ", ".join(shown) + (" (other fields as the page offered them)" if defaults else "")
