"""Families (husstander) and who belonged to them when, and the services around them."""

import datetime
from dataclasses import dataclass
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.corrections import Correctable, InForceManager, rules_in_force
from audit.history import TrackedQuerySet, tracked_history
from clients.models import EARLIEST_BIRTH_DATE, Client, age_on, folded_full_name
from codelists.models import CodeList, code_field
from families import rules
from followup.models import Status
from organisation.access import OfficeScopedQuerySet
from organisation.models import Office


class FamilyQuerySet(OfficeScopedQuerySet):
    pass


class Family(models.Model):
    """A family or household followed by an office, usually by one family coordinator."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="families", verbose_name=_("office")
    )
    name = models.CharField(
        _("name"), max_length=120, help_text=_("How the family is named, e.g. «Familien Haddad».")
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="families",
        verbose_name=_("family coordinator"),
    )
    # A family that split: the new household remembers where it came from.
    split_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="splits",
        verbose_name=_("split from"),
    )
    created_on = models.DateField(_("followed since"), default=datetime.date.today)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = FamilyQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")
        ordering = ["name", "pk"]
        indexes = [
            # The coordinator's home page: their families.
            models.Index(fields=["coordinator", "name"], name="family_coordinator"),
            models.Index(fields=["office", "name"], name="family_office_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("families:detail", args=[self.pk])

    def clean(self) -> None:
        """Followed since a day that has come (every review and plan is dated from it)."""
        errors: rules.Errors = {}
        rules.not_in_future(errors, "created_on", self.created_on)
        rules.raise_if_any(errors)

    def accessed_client_ids(self) -> list[int]:
        # Reading a family page reads every member who is a client.
        return sorted({m.client_id for m in self.memberships.all() if m.client_id is not None})


class CorrectableRecord(Correctable):
    """A case record of families that can be corrected with a reason (audit.corrections).

    The version gets a database default, as the flag has: the synthetic national data
    writes these tables in SQL, naming only the columns it knows.
    """

    # A correction is refused when someone saved the record after the form was opened.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)

    class Meta:
        abstract = True


class MembershipQuerySet(OfficeScopedQuerySet):
    office_lookup = "family__office_id"

    def on(self, date: datetime.date) -> Self:
        """Memberships in force on a date: the family as it was then."""
        return self.filter(joined_on__lte=date).filter(
            models.Q(left_on__isnull=True) | models.Q(left_on__gt=date)
        )


class FamilyMember(CorrectableRecord):
    """A person's membership of a family, from one date to another.

    Adults followed by the office are clients; children and other members
    need not be, so their name and date of birth are kept here.
    """

    class Role(models.TextChoices):
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Child")
        OTHER_ADULT = "other_adult", _("Other adult")

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("family")
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="family_memberships",
        verbose_name=_("client"),
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    joined_on = models.DateField(_("member from"))
    left_on = models.DateField(_("member until"), null=True, blank=True)
    # The member's own name folded for search, as Client.folded_name; a client member is
    # found by the client's name instead.
    folded_name = models.GeneratedField(
        expression=folded_full_name("first_name", "last_name"),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("name for search"),
    )

    correctable_fields = ("first_name", "last_name", "birth_date", "role", "joined_on", "left_on")

    # Pages, counts and related managers (family.memberships) see the memberships in force;
    # history and corrections see every row.
    objects = InForceManager.from_queryset(MembershipQuerySet)()
    all_objects = MembershipQuerySet.as_manager()
    history = tracked_history(excluded_fields=["folded_name"])

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["role", "birth_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="member_left_after_joined",
            ),
            models.CheckConstraint(
                condition=models.Q(client__isnull=False)
                | (~models.Q(first_name="") & models.Q(birth_date__isnull=False)),
                name="member_is_client_or_named",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_date__isnull=True)
                | models.Q(birth_date__gte=EARLIEST_BIRTH_DATE),
                name="member_birth_date_plausible",
            ),
            # A client is in one family at a time (UI refuses overlaps too).
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(
                    left_on__isnull=True, client__isnull=False, entered_in_error=False
                ),
                name="member_client_in_one_current_family",
            ),
        ]
        indexes = [
            # "Searching one member leads to the whole family": by client.
            models.Index(fields=["client"], name="member_client"),
            models.Index(fields=["family", "joined_on"], name="member_family_joined"),
        ]

    # A member who is a client is named by the client: history names many at once.
    history_names_select_related = ("client",)

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        if self.client is not None:
            return self.client.full_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def person_birth_date(self) -> datetime.date | None:
        return self.client.birth_date if self.client is not None else self.birth_date

    @property
    def office_id(self) -> int:
        return int(self.family.office_id)

    def accessed_client_ids(self) -> list[int]:
        return [self.client_id] if self.client_id is not None else []

    @property
    def current_school(self) -> "SchoolStatus | None":
        """The latest school status (from the prefetched list when there is one)."""
        statuses = list(self.school.all())
        return statuses[-1] if statuses else None

    def is_member_on(self, date: datetime.date) -> bool:
        return self.joined_on <= date and (self.left_on is None or self.left_on > date)

    def clean(self) -> None:
        """A named person, dates they can have lived, and a role that fits their age."""
        errors: rules.Errors = {}
        if self.client_id is None:
            # As the check member_is_client_or_named: who is not a client is known here only.
            # The database holds every row to it, so a member entered in error too.
            if not self.first_name.strip():
                rules.refuse(errors, "first_name", rules.NAME_AND_BIRTH_NEEDED)
            if self.birth_date is None:
                rules.refuse(errors, "birth_date", rules.NAME_AND_BIRTH_NEEDED)
        if not self.entered_in_error:
            self._rules_in_force(errors)
        rules.raise_if_any(errors)

    def _rules_in_force(self, errors: rules.Errors) -> None:
        """What only a membership in force is held to (see audit.corrections.rules_in_force)."""
        rules.plausible_birth(errors, "birth_date", self.birth_date)
        birth = self.person_birth_date
        for field in ("joined_on", "left_on"):
            rules.not_in_future(errors, field, getattr(self, field))
            rules.not_before_birth(errors, field, getattr(self, field), birth)
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            rules.refuse(errors, "left_on", _("A person cannot leave before joining."))
        if birth and self.joined_on and self.role and "joined_on" not in errors:
            self._role_fits_age(errors, age_on(birth, self.joined_on))

    def _role_fits_age(self, errors: rules.Errors, age: int) -> None:
        """No grown-up as a child and no small child as a parent (families.rules says why).

        Not a database check: a client member's birth date is on the client.
        """
        names = {"name": self.full_name, "age": age}
        if self.role == self.Role.CHILD and age > rules.CHILD_MAX_AGE:
            rules.refuse(
                errors,
                "role",
                _(
                    "%(name)s is %(age)s years old on the date of joining: a child of the "
                    "family is at most %(max)s. Choose «Parent» or «Other adult»."
                )
                % {**names, "max": rules.CHILD_MAX_AGE},
            )
        elif self.role != self.Role.CHILD and age < rules.ADULT_MIN_AGE:
            rules.refuse(
                errors,
                "role",
                _(
                    "%(name)s is %(age)s years old on the date of joining: a parent or another "
                    "adult of the family is at least %(min)s. Choose «Child», or check the "
                    "date of birth."
                )
                % {**names, "min": rules.ADULT_MIN_AGE},
            )


class FamilyService(models.Model):
    """A service involved with the family, the family's named contact there, and since when."""

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="services", verbose_name=_("family")
    )
    service = code_field(CodeList.PARTICIPANT_SERVICE, _("service"))
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=30, blank=True)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("service involved")
        verbose_name_plural = _("services involved")
        ordering = ["since", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("since")),
                name="family_service_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return str(self.service)

    def clean(self) -> None:
        errors: rules.Errors = {}
        rules.not_in_future(errors, "since", self.since)
        rules.until_not_before_since(errors, self.since, self.until)
        rules.raise_if_any(errors)


class PlanQuerySet(OfficeScopedQuerySet):
    office_lookup = "family__office_id"


class FamilyPlan(models.Model):
    """The family plan (familieplan): a living document, revised many times."""

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="plans", verbose_name=_("family")
    )
    active = models.BooleanField(_("active"), default=True)
    created_on = models.DateField(_("created"), default=datetime.date.today)
    # Every saved change raises the version and writes a PlanRevision (the version is the
    # revision's number). Lost updates are prevented per goal and action (their version).
    version = models.PositiveIntegerField(_("revision"), default=1)

    objects = PlanQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("family plan")
        verbose_name_plural = _("family plans")
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=models.Q(active=True),
                name="plan_one_active_per_family",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family}"

    @property
    def office_id(self) -> int:
        return int(self.family.office_id)

    def accessed_client_ids(self) -> list[int]:
        return self.family.accessed_client_ids()


class GoalQuerySet(OfficeScopedQuerySet):
    office_lookup = "plan__family__office_id"


class ActionQuerySet(OfficeScopedQuerySet):
    office_lookup = "goal__plan__family__office_id"


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACHIEVED = "achieved", _("Achieved")
    CLOSED = "closed", _("Closed, not achieved")


class PlanGoal(models.Model):
    """A goal in the family's own words, in one life area, owned by a family member."""

    plan = models.ForeignKey(
        FamilyPlan, on_delete=models.PROTECT, related_name="goals", verbose_name=_("family plan")
    )
    life_area = code_field(CodeList.LIFE_AREA, _("life area"))
    text = models.CharField(_("goal, in the family's words"), max_length=500)
    owner = models.ForeignKey(
        FamilyMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owned by"),
    )
    position = models.PositiveIntegerField(_("place in the plan"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN
    )
    created_on = models.DateField(_("created"), default=datetime.date.today)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    # Raised by every change to the goal itself: a page showing an older version may not
    # change it, while changes to the plan's other goals and actions go through. (The
    # database default serves rows written in SQL: the synthetic national data.)
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)

    objects = GoalQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["plan", "position"], name="goal_plan_position")]

    def __str__(self) -> str:
        return self.text

    @property
    def office_id(self) -> int:
        return int(self.plan.family.office_id)

    def accessed_client_ids(self) -> list[int]:
        return []  # the plan page that holds it logs the family's members


class PlanAction(models.Model):
    """An action under a goal: who does it, by when, and how far it has come."""

    class Responsible(models.TextChoices):
        MEMBER = "member", _("A family member")
        COORDINATOR = "coordinator", _("The coordinator")
        SERVICE = "service", _("A service")

    goal = models.ForeignKey(
        PlanGoal, on_delete=models.PROTECT, related_name="actions", verbose_name=_("goal")
    )
    text = models.CharField(_("action to take"), max_length=500)
    responsible = models.CharField(
        _("responsible"), max_length=12, choices=Responsible.choices, default=Responsible.MEMBER
    )
    responsible_member = models.ForeignKey(
        FamilyMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("family member responsible"),
    )
    responsible_service = models.ForeignKey(
        FamilyService,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service responsible"),
    )
    due_on = models.DateField(_("deadline"), null=True, blank=True)
    # The same lifecycle as interventions.
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    position = models.PositiveIntegerField(_("place under the goal"), default=0)
    # As PlanGoal.version: the conflict is per action.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)

    objects = ActionQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["position", "pk"]
        indexes = [
            # The coordinator's home: actions overdue (due_on < today, not finished).
            models.Index(
                fields=["due_on"],
                condition=models.Q(status__in=["planned", "in_progress"]),
                name="action_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        """A new or moved deadline is today or later: an action is not planned as overdue."""
        if not self.due_on or self.due_on >= timezone.localdate():
            return
        saved = None
        if not self._state.adding:
            saved = PlanAction.objects.filter(pk=self.pk).values_list("due_on", flat=True).first()
        if self.due_on != saved:
            raise ValidationError(
                {"due_on": _("The deadline has passed: choose today or a later date.")}
            )

    @property
    def office_id(self) -> int:
        return int(self.goal.plan.family.office_id)

    def accessed_client_ids(self) -> list[int]:
        return []

    @property
    def is_open(self) -> bool:
        return self.status in {Status.PLANNED, Status.IN_PROGRESS}

    @property
    def responsible_label(self) -> str:
        if self.responsible == self.Responsible.MEMBER and self.responsible_member is not None:
            return str(self.responsible_member)
        if self.responsible == self.Responsible.SERVICE and self.responsible_service is not None:
            return str(self.responsible_service)
        return str(self.get_responsible_display())


class PlanRevision(models.Model):
    """The plan as it was after one saved change: who, when, what, and a full snapshot."""

    class Change(models.TextChoices):
        # Each label is the sentence the revision is shown with, translated when it is
        # read: a bokmål reader sees bokmål whoever saved it. %(text)s is the text of the
        # goal or action, %(status)s its new status.
        CREATED = "created", _("Plan created")
        GOAL_ADDED = "goal_added", _("Goal added: %(text)s")
        GOAL_CHANGED = "goal_changed", _("Goal changed: %(text)s")
        GOAL_STATUS = "goal_status", _("Goal «%(text)s»: %(status)s")
        GOAL_MOVED = "goal_moved", _("Goal moved: %(text)s")
        ACTION_ADDED = "action_added", _("Action added: %(text)s")
        ACTION_CHANGED = "action_changed", _("Action changed: %(text)s")
        ACTION_STATUS = "action_status", _("Action «%(text)s»: %(status)s")

    plan = models.ForeignKey(
        FamilyPlan,
        on_delete=models.PROTECT,
        related_name="revisions",
        verbose_name=_("family plan"),
    )
    number = models.PositiveIntegerField(_("revision"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    # The database defaults serve rows written in SQL (the synthetic national data).
    change = models.CharField(
        _("kind of change"), max_length=16, choices=Change.choices, blank=True, db_default=""
    )
    # The goal's or action's text and its new status (a code) when the change was saved.
    subject = models.CharField(_("goal or action"), max_length=500, blank=True, db_default="")
    new_status = models.CharField(_("new status"), max_length=12, blank=True, db_default="")
    # Free text in one language, shown as written: revisions saved before the kinds of
    # change, and the synthetic national data.
    summary = models.CharField(_("change"), max_length=300, blank=True)
    snapshot = models.JSONField(_("the plan as it was"))

    # Written once, never changed: audit.guards adds the database trigger.
    APPEND_ONLY = True

    class Meta:
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="revision_number_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.number}"

    @property
    def summary_shown(self) -> str:
        """What the revision changed, in the reader's language."""
        if not self.change:
            return self.summary
        return str(RevisionSummary(self.change, self.subject, self.new_status))


@dataclass(frozen=True)
class RevisionSummary:
    """What one saved change did to the plan: kept as data, put in words when shown."""

    change: str  # a PlanRevision.Change
    subject: str = ""  # the goal's or action's text
    new_status: str = ""  # a GoalStatus (goal) or Status (action) code

    def __str__(self) -> str:
        status = ""
        if self.new_status:
            codes = GoalStatus if self.change == PlanRevision.Change.GOAL_STATUS else Status
            status = str(codes(self.new_status).label).lower()
        sentence = PlanRevision.Change(self.change).label
        return str(sentence) % {"text": self.subject, "status": status}


class ReviewQuerySet(OfficeScopedQuerySet):
    office_lookup = "family__office_id"


class Review(CorrectableRecord):
    """A review (evaluering) of the plan, where the family rates its own quality of life."""

    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("family")
    )
    reviewed_on = models.DateField(_("date of the review"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    works = models.TextField(_("what works"), blank=True, max_length=4000)
    does_not_work = models.TextField(_("what does not work"), blank=True, max_length=4000)
    next_steps = models.TextField(_("next steps"), blank=True, max_length=4000)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)

    correctable_fields = (
        "reviewed_on",
        "works",
        "does_not_work",
        "next_steps",
        "next_review_on",
    )

    # The other review in force on the same day, found by clean(): the forms link to its
    # correction page, which is what the user can do instead (not a field: never saved).
    same_day: "Review | None" = None

    # A review entered in error drops out of the chart, "change since the first review"
    # and every count; history and corrections see it.
    objects = InForceManager.from_queryset(ReviewQuerySet)()
    all_objects = ReviewQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["reviewed_on", "pk"]
        indexes = [models.Index(fields=["family", "reviewed_on"], name="review_family_date")]
        constraints = [
            # Two reviews on one day would be two "first" or "latest" ratings of that day.
            models.UniqueConstraint(
                fields=["family", "reviewed_on"],
                condition=models.Q(entered_in_error=False),
                name="review_one_per_family_per_day",
                violation_error_message=_("The family already has a review on that date."),
            ),
            models.CheckConstraint(
                condition=models.Q(next_review_on__isnull=True)
                | models.Q(next_review_on__gt=models.F("reviewed_on")),
                name="review_next_after_this",
                violation_error_message=_("The next review must be after this one."),
            ),
        ]

    def __str__(self) -> str:
        # A date as the UI shows it: this is how a rating's review is named in history.
        return f"{self.family}: {rules.shown(self.reviewed_on) if self.reviewed_on else ''}"

    @rules_in_force
    def clean(self) -> None:
        """Within the time the family is followed, and one review per family and day."""
        errors: rules.Errors = {}
        day = self.reviewed_on
        if day is not None:
            if day > timezone.localdate():
                rules.refuse(errors, "reviewed_on", _("A review cannot be dated in the future."))
            family = self.family if self.family_id else None
            if family is not None and day < family.created_on:
                # A review from before the family was followed would become the "first"
                # rating that every change is counted from.
                rules.refuse(
                    errors,
                    "reviewed_on",
                    _("The family has been followed since %(date)s: the review cannot be earlier.")
                    % {"date": rules.shown(family.created_on)},
                )
            elif family is not None:
                # Review.objects: a review entered in error leaves its day free.
                self.same_day = (
                    Review.objects.filter(family=family, reviewed_on=day)
                    .exclude(pk=self.pk)
                    .first()
                )
                if self.same_day is not None:
                    rules.refuse(
                        errors,
                        "reviewed_on",
                        _(
                            "The family already has a review on %(date)s, and has one review a "
                            "day: correct that review to change its ratings or text."
                        )
                        % {"date": rules.shown(day)},
                    )
            if self.next_review_on is not None and self.next_review_on <= day:
                rules.refuse(errors, "next_review_on", _("The next review must be after this one."))
        rules.raise_if_any(errors)

    @property
    def office_id(self) -> int:
        return int(self.family.office_id)

    def accessed_client_ids(self) -> list[int]:
        return self.family.accessed_client_ids()


class RatingsInForce(models.Manager["ReviewRating"]):
    """The ratings in force of reviews in force: a review entered in error takes its ratings
    along, and one rating can be marked as entered in error in a correction of its review."""

    def get_queryset(self) -> models.QuerySet["ReviewRating"]:
        return super().get_queryset().filter(entered_in_error=False, review__entered_in_error=False)


class ReviewRating(Correctable, models.Model):
    """The family's own rating of its quality of life in one area: 0 (worst) to 10 (best).

    Corrected with its review (families.reviews.review_correct): a rating taken back is
    marked as entered in error, never deleted; the row of an area stays one per review,
    in force or not, so rating the area again puts the same row back in force.
    """

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("review")
    )
    life_area = code_field(CodeList.LIFE_AREA, _("life area"))
    rating = models.PositiveSmallIntegerField(_("rating (0–10)"))

    objects = RatingsInForce.from_queryset(TrackedQuerySet)()
    all_objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["review", "life_area"], name="rating_one_per_area"),
            models.CheckConstraint(condition=models.Q(rating__lte=10), name="rating_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.life_area_id}: {self.rating}"

    def clean(self) -> None:
        if self.rating is not None and self.rating > 10:
            raise ValidationError({"rating": _("The rating is from 0 to 10.")})


DROPOUT_UPPER_SECONDARY_ONLY = _(
    "Only upper secondary school or an apprenticeship can be dropped out of: choose the level "
    "the young person left. For high absence from compulsory school, choose another status and "
    "tick «High absence or risk of dropping out» instead."
)


class SchoolQuerySet(OfficeScopedQuerySet):
    office_lookup = "member__family__office_id"

    def upper_secondary_dropouts(self) -> Self:
        """Drop-out from upper secondary, the key outcome of the Sagene project."""
        return self.filter(
            level__in=SchoolStatus.UPPER_SECONDARY_LEVELS, status=SchoolStatus.Status.DROPPED_OUT
        )


class SchoolStatus(CorrectableRecord):
    """A child's school situation from a date: level, status, and any risk flagged."""

    class Level(models.TextChoices):
        PRIMARY = "primary", _("Primary school (1–7)")
        LOWER_SECONDARY = "lower_secondary", _("Lower secondary school (8–10)")
        UPPER_SECONDARY = "upper_secondary", _("Upper secondary school")
        APPRENTICESHIP = "apprenticeship", _("Apprenticeship")
        NONE = "none", _("Not in school")

    # Apprenticeship is part of upper-secondary education in Norway (fagopplæring, the
    # 2 + 2 model): a young person who leaves it has dropped out of upper secondary.
    # Every count of drop-out (the dashboard, the selectors, the bench) uses this.
    UPPER_SECONDARY_LEVELS = (Level.UPPER_SECONDARY, Level.APPRENTICESHIP)

    # The school years (trinn) of each level: 1–7, 8–10, and Vg1–Vg3 as 11–13. An
    # apprenticeship is counted in years of training in a company, not school years, and
    # someone not in school has none.
    YEARS: dict[str, tuple[int, int]] = {
        Level.PRIMARY: (1, 7),
        Level.LOWER_SECONDARY: (8, 10),
        Level.UPPER_SECONDARY: (11, 13),
    }

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        NOT_STARTED = "not_started", _("Not started")
        BACK_IN_SCHOOL = "back_in_school", _("Back in school")

    # The statuses that say the young person goes to school now.
    IN_SCHOOL = (Status.ENROLLED, Status.BACK_IN_SCHOOL)

    member = models.ForeignKey(
        FamilyMember, on_delete=models.PROTECT, related_name="school", verbose_name=_("child")
    )
    valid_from = models.DateField(_("from"))
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    programme = models.CharField(
        _("programme"),
        max_length=120,
        blank=True,
        help_text=_("Upper secondary programme, e.g. «Helse- og oppvekstfag»."),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # High absence or a risk of dropping out, flagged with the date it was seen.
    risk_flagged_on = models.DateField(_("risk flagged on"), null=True, blank=True)

    correctable_fields = ("valid_from", "level", "programme", "year", "status", "risk_flagged_on")

    # An entry entered in error drops out of the child's page and the drop-out counts.
    objects = InForceManager.from_queryset(SchoolQuerySet)()
    all_objects = SchoolQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("school status")
        verbose_name_plural = _("school statuses")
        ordering = ["valid_from", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__isnull=True) | models.Q(year__gte=1, year__lte=13),
                name="school_year_1_to_13",
            ),
            models.CheckConstraint(
                condition=models.Q(year__isnull=True)
                | models.Q(level="primary", year__range=(1, 7))
                | models.Q(level="lower_secondary", year__range=(8, 10))
                | models.Q(level="upper_secondary", year__range=(11, 13)),
                name="school_year_fits_level",
                violation_error_message=_("The school year does not fit the level."),
            ),
            models.CheckConstraint(
                condition=~models.Q(level="none", status__in=["enrolled", "back_in_school"]),
                name="school_not_in_school_not_enrolled",
                violation_error_message=_(
                    "Someone who is not in school cannot be enrolled or back in school."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(programme="")
                | models.Q(level__in=["upper_secondary", "apprenticeship"]),
                name="school_programme_upper_secondary",
                violation_error_message=_("A programme belongs to upper secondary school."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="dropped_out")
                | models.Q(level__in=["upper_secondary", "apprenticeship"]),
                name="school_dropped_out_upper_secondary",
                violation_error_message=DROPOUT_UPPER_SECONDARY_ONLY,
            ),
            # Two situations from one day: which one was the child's would be a guess.
            models.UniqueConstraint(
                fields=["member", "valid_from"],
                condition=models.Q(entered_in_error=False),
                name="school_one_per_child_per_day",
                violation_error_message=_("The child already has a school status from that date."),
            ),
        ]
        indexes = [
            # Drop-out counts per office and period.
            models.Index(fields=["level", "status", "valid_from"], name="school_outcome_period"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_level_display()} ({self.get_status_display()})"

    @property
    def office_id(self) -> int:
        return int(self.member.family.office_id)

    def accessed_client_ids(self) -> list[int]:
        return self.member.accessed_client_ids()

    @rules_in_force
    def clean(self) -> None:
        """Level, year and status that fit together, dated within the child's life."""
        errors: rules.Errors = {}
        level = self.level
        if self.year is not None and level:
            years = self.YEARS.get(level)
            label = self.Level(level).label if level in self.Level.values else level
            if years is None:
                rules.refuse(
                    errors, "year", _("Leave the year empty for %(level)s.") % {"level": label}
                )
            elif not years[0] <= self.year <= years[1]:
                rules.refuse(
                    errors,
                    "year",
                    _("%(level)s has the years %(first)s–%(last)s.")
                    % {"level": label, "first": years[0], "last": years[1]},
                )
        if level == self.Level.NONE and self.status in self.IN_SCHOOL:
            rules.refuse(
                errors,
                "status",
                _("Someone who is not in school cannot be enrolled or back in school."),
            )
        if self.programme and level not in self.UPPER_SECONDARY_LEVELS:
            rules.refuse(errors, "programme", _("A programme belongs to upper secondary school."))
        if (
            self.status == self.Status.DROPPED_OUT
            and level
            and level not in self.UPPER_SECONDARY_LEVELS
        ):
            # Primary and lower secondary school are compulsory: a child there may be often
            # absent (flag the risk), but has not dropped out. Every drop-out count is of
            # upper secondary (upper_secondary_dropouts), so such an entry would count nowhere.
            rules.refuse(errors, "status", DROPOUT_UPPER_SECONDARY_ONLY)
        rules.not_in_future(errors, "valid_from", self.valid_from)
        member = self.member if self.member_id else None
        if member is not None:
            rules.not_before_birth(errors, "valid_from", self.valid_from, member.person_birth_date)
            if (
                self.valid_from is not None
                and SchoolStatus.objects.filter(member=member, valid_from=self.valid_from)
                .exclude(pk=self.pk)
                .exists()
            ):
                rules.refuse(
                    errors,
                    "valid_from",
                    _(
                        "%(name)s already has a school status from %(date)s: correct that one "
                        "instead of adding another."
                    )
                    % {"name": member.full_name, "date": rules.shown(self.valid_from)},
                )
        rules.raise_if_any(errors)


class LeisureActivity(models.Model):
    """A child's leisure activity (football, music, youth club …) and since when."""

    member = models.ForeignKey(
        FamilyMember, on_delete=models.PROTECT, related_name="leisure", verbose_name=_("child")
    )
    activity = models.CharField(_("activity"), max_length=120)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = TrackedQuerySet.as_manager()
    history = tracked_history()

    class Meta:
        verbose_name = _("leisure activity")
        verbose_name_plural = _("leisure activities")
        ordering = ["since", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("since")),
                name="leisure_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return self.activity

    def clean(self) -> None:
        errors: rules.Errors = {}
        rules.not_in_future(errors, "since", self.since)
        rules.until_not_before_since(errors, self.since, self.until)
        member = self.member if self.member_id else None
        if member is not None:
            rules.not_before_birth(errors, "since", self.since, member.person_birth_date)
        rules.raise_if_any(errors)


class FamilyContact(models.Model):
    """A follow-up contact with the family: which members took part.

    The contact itself is an ordinary followup.Contact registered on one adult
    client of the family, so it counts wherever contacts count; every
    participating member who is a client sees it on their own timeline.
    """

    contact = models.OneToOneField(
        "followup.Contact",
        on_delete=models.PROTECT,
        related_name="family_contact",
        verbose_name=_("contact"),
    )
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("family")
    )
    participants = models.ManyToManyField(
        FamilyMember, related_name="family_contacts", verbose_name=_("who took part")
    )

    objects = TrackedQuerySet.as_manager()
    history = tracked_history(m2m_fields=[participants])

    class Meta:
        verbose_name = _("family contact")
        verbose_name_plural = _("family contacts")

    def __str__(self) -> str:
        return f"{self.family}: {self.contact_id}"
