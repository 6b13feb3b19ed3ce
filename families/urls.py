"""URLs of the families app."""

from typing import Any

from django.urls import path, reverse

from families import picker_views, plan_views, review_views, views
from families.forms import MemberCorrectionForm
from families.models import FamilyMember, SchoolStatus
from organisation.correction_views import correction_view


def _family_page(member: Any) -> str:
    return str(member.family.get_absolute_url())


def _child_page(school: Any) -> str:
    return reverse("families:child", args=[school.member_id])


app_name = "families"
urlpatterns = [
    path("", views.coordinator_home, name="home"),
    path("new/", views.family_new, name="new"),
    path("<int:pk>/", views.family_detail, name="detail"),
    path("<int:pk>/history/", views.family_history, name="history"),
    path("<int:pk>/members/new/", views.member_add, name="member_add"),
    path("members/<int:pk>/leave/", views.member_leave, name="member_leave"),
    path("members/<int:pk>/school/", views.child, name="child"),
    path("<int:pk>/split/", views.family_split, name="split"),
    path("<int:pk>/services/new/", views.service_add, name="service_add"),
    path("<int:pk>/contacts/new/", views.family_contact_new, name="contact_new"),
    path("<int:pk>/plan/", plan_views.plan_page, name="plan"),
    path("<int:pk>/plan/goals/new/", plan_views.goal_add, name="goal_add"),
    path("<int:pk>/plan/revisions/", plan_views.plan_revisions, name="plan_revisions"),
    path("<int:pk>/plan/print/", plan_views.plan_print, name="plan_print"),
    path("<int:pk>/reviews/", plan_views.review_list, name="reviews"),
    path("<int:pk>/reviews/new/", plan_views.review_new, name="review_new"),
    path("goals/<int:pk>/status/", plan_views.goal_status, name="goal_status"),
    path("goals/<int:pk>/edit/", plan_views.goal_edit, name="goal_edit"),
    path("actions/<int:pk>/edit/", plan_views.action_edit, name="action_edit"),
    path("goals/<int:pk>/move/", plan_views.goal_move, name="goal_move"),
    path("goals/<int:pk>/actions/new/", plan_views.action_add, name="action_add"),
    path("actions/<int:pk>/status/", plan_views.action_status, name="action_status"),
    path(
        "members/<int:pk>/correct/",
        correction_view(
            FamilyMember,
            back=_family_page,
            select_related=("family", "client"),
            form_class=MemberCorrectionForm,
        ),
        name="member_correct",
    ),
    path(
        "school/<int:pk>/correct/",
        correction_view(
            SchoolStatus, back=_child_page, select_related=("member__family", "member__client")
        ),
        name="school_correct",
    ),
    path("reviews/<int:pk>/correct/", review_views.review_correct, name="review_correct"),
    path("picker/search/", picker_views.picker_search, name="picker_search"),
    path("picker/choose/", picker_views.picker_choose, name="picker_choose"),
]
