"""The pages a client's data is read on, in words a client understands, as each app names its own.

An app names its pages in its AppConfig: ``read_pages`` maps a URL name to words ("The
client page"), ``read_area`` covers its other pages. The audit app sits below every app
that reads personal data, so it learns the words from them instead of listing their URLs.
"""

import functools

from django.apps import apps
from django.utils.translation import gettext as _


@functools.cache
def _named_pages() -> tuple[dict[str, str], dict[str, str]]:
    pages: dict[str, str] = {}
    areas: dict[str, str] = {}
    for config in apps.get_app_configs():
        pages.update(getattr(config, "read_pages", {}))
        if area := getattr(config, "read_area", None):
            areas[config.label] = area
    return pages, areas


def page_label(view_name: str) -> str:
    """The page a read was made on, in words in the active language (never a URL name)."""
    pages, areas = _named_pages()
    if view_name in pages:
        return str(pages[view_name])
    area = areas.get(view_name.partition(":")[0])
    return str(area) if area is not None else _("Another page in HUSK")
