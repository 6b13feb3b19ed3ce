"""Pages of the client register."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from audit.access_log import record_read
from audit.models import AccessLog
from clients.models import Client
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object

PAGE_SIZE = 50


@policy(PERSON_LEVEL, methods=("GET",))
def client_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    clients = Client.objects.visible_to(request.user).select_related("office", "caseworker")
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    record_read(request, action=AccessLog.Action.LIST, client_ids=[c.pk for c in page])
    return render(request, "clients/client_list.html", {"page": page})


@policy(PERSON_LEVEL, methods=("GET",))
def client_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office", "caseworker"), pk=pk)
    return render(request, "clients/client_detail.html", {"client": client})
