"""Pages to open, edit and close case episodes, and to add and end benefit periods."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit.versioning import EditConflictError
from clients.episode_forms import (
    BenefitEndForm,
    BenefitForm,
    EpisodeForm,
    EpisodeOpenForm,
    overlap_message,
)
from clients.models import BenefitPeriod, CaseEpisode, Client
from clients.readonly import refuse_if_merged
from clients.services import episodes
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def episode_new(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office"), pk=client_pk)
    refuse_if_merged(client)
    form = EpisodeOpenForm(request.POST or None, client=client)
    # Said up front, so nobody fills in the form only to be refused.
    open_episode = CaseEpisode.objects.filter(client=client, closed_on__isnull=True).first()
    if request.method == "POST" and open_episode is None and form.is_valid():
        try:
            episodes.episode_open(
                client=client,
                opened_on=form.cleaned_data["opened_on"],
                reasons=form.cleaned_data["reasons"],
            )
        except episodes.EpisodeAlreadyOpenError as error:
            open_episode = error.episode
        else:
            messages.success(request, _("The case episode is opened."))
            return redirect(client)
    return render(
        request,
        "clients/episode_form.html",
        {"form": form, "client": client, "open_episode": open_episode, "new": True},
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def episode_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    episode = read_object(
        request,
        CaseEpisode.objects.select_related("client__office", "closing_reason"),
        pk=pk,
    )
    client = episode.client
    refuse_if_merged(client)
    form = EpisodeForm(request.POST or None, instance=episode, client=client)
    conflict = None
    open_episode = None
    if request.method == "POST" and form.is_valid():
        try:
            episodes.episode_update(
                episode=form.save(commit=False),
                reasons=form.cleaned_data["reasons"],
                expected_version=form.cleaned_data["version"],
            )
        except EditConflictError as error:
            conflict = error
            # Keep what this user typed; the next save applies it over the new version.
            retry = error.retry_data(request.POST)
            current = error.current
            assert isinstance(current, CaseEpisode)
            form = EpisodeForm(retry, instance=current, client=client)
        except episodes.EpisodeAlreadyOpenError as error:
            # Reopening this one while another is open.
            open_episode = error.episode
        else:
            messages.success(request, _("The case episode is saved."))
            return redirect(client)
    return render(
        request,
        "clients/episode_form.html",
        {
            "form": form,
            "client": client,
            "episode": episode,
            "conflict": conflict,
            "open_episode": open_episode,
            "new": False,
        },
        status=409 if conflict else 200,
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def benefit_new(request: AuthenticatedHttpRequest, client_pk: int) -> HttpResponse:
    client = read_object(request, Client.objects.select_related("office"), pk=client_pk)
    refuse_if_merged(client)
    form = BenefitForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            episodes.benefit_add(
                client=client,
                kind=form.cleaned_data["kind"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
        except episodes.BenefitOverlapError as error:
            form.add_error("start", overlap_message(error.other))
        else:
            messages.success(request, _("The benefit is registered."))
            return redirect(client)
    return render(
        request, "clients/benefit_form.html", {"form": form, "client": client, "new": True}
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def benefit_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    benefit = read_object(
        request, BenefitPeriod.objects.select_related("client__office", "kind"), pk=pk
    )
    client = benefit.client
    refuse_if_merged(client)
    form = BenefitEndForm(request.POST or None, benefit=benefit)
    if request.method == "POST" and form.is_valid():
        try:
            episodes.benefit_end(benefit=benefit, end=form.cleaned_data["end"])
        except episodes.BenefitOverlapError as error:
            form.add_error("end", overlap_message(error.other))
        else:
            messages.success(request, _("The benefit is ended."))
            return redirect(client)
    return render(
        request,
        "clients/benefit_form.html",
        {"form": form, "client": client, "benefit": benefit, "new": False},
    )
