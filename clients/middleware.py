"""A write refused because the client is merged becomes a page that leads to the kept record."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from clients.models import Client
from clients.readonly import ClientMergedError


def kept_record(client_id: int) -> int | None:
    """The record a client was merged into, following later merges of that one too."""
    seen = {client_id}
    current: int | None = client_id
    kept: int | None = None
    while current is not None:
        current = (
            Client._base_manager.filter(pk=current, status=Client.Status.MERGED)
            .values_list("merged_into_id", flat=True)
            .first()
        )
        if current is None or current in seen:
            break
        seen.add(current)
        kept = current
    return kept


class MergedClientMiddleware:
    """Render ClientMergedError (raised before anything was written) as a 409 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ClientMergedError):
            return None
        return render(
            request,
            "clients/client_merged.html",
            {"kept_id": kept_record(exception.client_id) or exception.kept_id},
            status=409,
        )
