"""The family coordinator's pages: their families, a family over time, its members and services."""

import datetime

from django.contrib import messages
from django.db.models import Count, OuterRef, Prefetch, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.access_log import record_read
from audit.models import AccessLog
from audit.timeline import history_entries
from families import services
from families.forms import (
    FamilyContactForm,
    FamilyForm,
    FamilyOnDateForm,
    HomeQueryForm,
    LeaveForm,
    LeisureForm,
    MemberForm,
    SchoolStatusForm,
    ServiceForm,
    SplitForm,
)
from families.models import (
    Family,
    FamilyContact,
    FamilyMember,
    FamilyPlan,
    FamilyService,
    LeisureActivity,
    PlanAction,
    PlanGoal,
    Review,
    ReviewRating,
    SchoolStatus,
)
from families.picker import record_chosen
from organisation.access import PERSON_LEVEL, AuthenticatedHttpRequest, policy, read_object


def _families_with_members() -> QuerySet[Family]:
    return Family.objects.select_related("office", "coordinator", "split_from").prefetch_related(
        Prefetch(
            "memberships",
            queryset=FamilyMember.objects.select_related("client")
            .prefetch_related("school")
            .order_by("joined_on", "pk"),
        ),
        Prefetch("services", queryset=FamilyService.objects.select_related("service")),
        "splits",
    )


@policy(PERSON_LEVEL, methods=("GET",))
def coordinator_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = HomeQueryForm(request.GET)
    show_office = query.is_valid() and query.cleaned_data["view"] == "office"
    families = Family.objects.visible_to(request.user).select_related("coordinator")
    if not show_office:
        families = families.filter(coordinator=request.user)
    today = timezone.localdate()
    # Subqueries, not joins: two counts over different joins would multiply.
    members_now = (
        FamilyMember.objects.filter(family=OuterRef("pk"), left_on__isnull=True)
        .values("family")
        .annotate(n=Count("pk"))
        .values("n")
    )
    overdue = (
        PlanAction.objects.filter(
            goal__plan__family=OuterRef("pk"),
            goal__plan__active=True,
            status__in=["planned", "in_progress"],
            due_on__lt=today,
        )
        .values("goal__plan__family")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Many families share a name (eight "Familien Ali" in one office): the adults' first
    # names tell them apart.
    adults_now = (
        FamilyMember.objects.filter(family=OuterRef("pk"), left_on__isnull=True)
        .exclude(role=FamilyMember.Role.CHILD)
        .values("family")
        .annotate(
            names=StringAgg(
                Coalesce("client__first_name", "first_name"),
                Value(", "),
                order_by=(Coalesce("client__birth_date", "birth_date"), "pk"),
            )
        )
        .values("names")
    )
    latest_review = Review.objects.filter(family=OuterRef("pk")).order_by("-reviewed_on", "-pk")
    families = families.annotate(
        members_now=Coalesce(Subquery(members_now), 0),
        adults_now=Subquery(adults_now),
        overdue_actions=Coalesce(Subquery(overdue), 0),
        last_review=Subquery(latest_review.values("reviewed_on")[:1]),
        next_review=Subquery(latest_review.values("next_review_on")[:1]),
    ).order_by("name")
    record_read(request, action=AccessLog.Action.LIST)
    return render(
        request,
        "families/home.html",
        {
            "families": families,
            "show_office": show_office,
            "today": today,
        },
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def family_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FamilyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        family = services.family_create(**form.cleaned_data)
        messages.success(request, _("The family is registered. Add its members."))
        return redirect("families:member_add", pk=family.pk)
    return render(request, "families/family_form.html", {"form": form})


@policy(PERSON_LEVEL, methods=("GET",))
def family_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Who changed what about the family, its members, services, plan and reviews, and when."""
    # The memberships only for the access log: the page shows the history tables alone.
    family = read_object(
        request, Family.objects.select_related("office").prefetch_related("memberships"), pk=pk
    )
    # The records are found in the history tables too, so that a deleted one's changes
    # stay on the page.
    members = FamilyMember.history.filter(family_id=family.pk)
    plans = FamilyPlan.history.filter(family_id=family.pk)
    goals = PlanGoal.history.filter(plan_id__in=plans.values("id"))
    reviews = Review.history.filter(family_id=family.pk)
    histories = [
        Family.history.filter(id=family.pk),
        members,
        FamilyService.history.filter(family_id=family.pk),
        FamilyContact.history.filter(family_id=family.pk),
        plans,
        goals,
        PlanAction.history.filter(goal_id__in=goals.values("id")),
        reviews,
        ReviewRating.history.filter(review_id__in=reviews.values("id")),
        SchoolStatus.history.filter(member_id__in=members.values("id")),
        LeisureActivity.history.filter(member_id__in=members.values("id")),
    ]
    return render(
        request,
        "families/family_history.html",
        {"family": family, "entries": history_entries(histories)},
    )


# The family page lists the latest contacts; older ones are on the members' timelines.
CONTACTS_SHOWN = 20


def _latest_contacts(family: Family) -> list[FamilyContact]:
    """The family's contacts in force, newest first, with who took part (two queries)."""
    return list(
        FamilyContact.objects.filter(family=family, contact__entered_in_error=False)
        .select_related("contact__channel", "contact__recorded_by")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=FamilyMember.objects.select_related("client").order_by("joined_on", "pk"),
            )
        )
        .order_by("-contact__date", "-contact__recorded_at", "-pk")[: CONTACTS_SHOWN + 1]
    )


@policy(PERSON_LEVEL, methods=("GET",))
def family_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = read_object(request, _families_with_members(), pk=pk)
    today = timezone.localdate()
    # A date that cannot be read, or one the family cannot be shown as on (before it was
    # followed, in the future) is refused at the date field; the page shows today.
    on_form = FamilyOnDateForm(request.GET, family=family)
    on = (on_form.cleaned_data["on"] if on_form.is_valid() else None) or today
    memberships = list(family.memberships.all())
    events: list[tuple[datetime.date, str, FamilyMember]] = []
    for member in memberships:
        events.append((member.joined_on, "joined", member))
        if member.left_on:
            events.append((member.left_on, "left", member))
    events.sort(key=lambda event: (event[0], event[1]), reverse=True)
    contacts = _latest_contacts(family)
    return render(
        request,
        "families/family_detail.html",
        {
            "family": family,
            "on": on,
            "on_form": on_form,
            "today": today,
            "members_on": [m for m in memberships if m.is_member_on(on)],
            "former": [m for m in memberships if m.left_on is not None and m.left_on <= on],
            "events": events,
            "leave_form": LeaveForm(initial={"left_on": today}),
            "contacts": contacts[:CONTACTS_SHOWN],
            "more_contacts": len(contacts) > CONTACTS_SHOWN,
        },
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def member_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = read_object(request, _families_with_members(), pk=pk)
    form = MemberForm(request.POST or None, family=family, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_join(family=family, **form.cleaned_data)
        except services.MembershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The member is added."))
            if "add_another" in request.POST:
                return redirect("families:member_add", pk=family.pk)
            return redirect(family)
    if form.is_bound:
        record_chosen(request, form)
    return render(request, "families/member_form.html", {"form": form, "family": family})


@policy(PERSON_LEVEL, methods=("POST",))
def member_leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = read_object(request, FamilyMember.objects.select_related("family", "client"), pk=pk)
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.member_leave(member=member, left_on=form.cleaned_data["left_on"])
        except services.MembershipError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(name)s has left the family.") % {"name": member})
    else:
        messages.error(request, _("Give a valid date, not in the future."))
    return redirect(member.family)


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def family_split(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = read_object(request, _families_with_members(), pk=pk)
    form = SplitForm(request.POST or None, family=family)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.family_split(family=family, **form.cleaned_data)
        except services.MembershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The new household is registered."))
            return redirect(new)
    return render(request, "families/split_form.html", {"form": form, "family": family})


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def service_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = read_object(request, _families_with_members(), pk=pk)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.service_add(family=family, **form.cleaned_data)
        messages.success(request, _("The service is added."))
        return redirect(family)
    return render(request, "families/service_form.html", {"form": form, "family": family})


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def child(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A child's school situation over time and leisure activities."""
    member = read_object(
        request,
        FamilyMember.objects.select_related("family", "client").prefetch_related(
            "school", "leisure"
        ),
        pk=pk,
    )
    school_form = SchoolStatusForm(
        request.POST if "school" in request.POST else None, member=member
    )
    leisure_form = LeisureForm(request.POST if "leisure" in request.POST else None, member=member)
    if request.method == "POST":
        if "school" in request.POST and school_form.is_valid():
            services.school_status_record(member=member, **school_form.cleaned_data)
            messages.success(request, _("The school status is saved."))
            return redirect("families:child", pk=member.pk)
        if "leisure" in request.POST and leisure_form.is_valid():
            services.leisure_add(member=member, **leisure_form.cleaned_data)
            messages.success(request, _("The activity is saved."))
            return redirect("families:child", pk=member.pk)
    return render(
        request,
        "families/child.html",
        {"member": member, "school_form": school_form, "leisure_form": leisure_form},
    )


@policy(PERSON_LEVEL, methods=("GET", "POST"))
def family_contact_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    family = read_object(request, _families_with_members(), pk=pk)
    if not any(m.client_id and m.left_on is None for m in family.memberships.all()):
        messages.error(request, _("Add an adult who is a client to the family first."))
        return redirect(family)
    form = FamilyContactForm(request.POST or None, family=family)
    if request.method == "POST" and form.is_valid():
        services.family_contact_log(
            family=family,
            by=request.user,
            participants=form.cleaned_data["participants"],
            **form.contact_fields(),
        )
        messages.success(request, _("The contact is logged."))
        return redirect(family)
    return render(request, "families/contact_form.html", {"form": form, "family": family})
