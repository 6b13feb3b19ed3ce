"""URLs of follow-up."""

from typing import Any

from django.urls import path, reverse

from followup import intervention_views, views
from followup.intervention_forms import InterventionCorrectionForm
from followup.models import Contact, Enrolment, Intervention
from organisation.correction_views import correction_view


def _client_page(record: Any) -> str:
    return str(record.client.get_absolute_url())


def _intervention_page(intervention: Intervention) -> str:
    # One entered in error is no longer shown on a page of its own.
    if intervention.entered_in_error:
        return _client_page(intervention)
    return reverse("followup:intervention_detail", args=[intervention.pk])


app_name = "followup"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("filters/", views.save_filter, name="save_filter"),
    path("filters/<int:pk>/rename/", views.rename_filter, name="rename_filter"),
    path("filters/<int:pk>/delete/", views.delete_filter, name="delete_filter"),
    path("clients/<int:client_pk>/contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path(
        "contacts/<int:pk>/correct/",
        correction_view(Contact, back=_client_page, select_related=("client", "channel")),
        name="contact_correct",
    ),
    path("clients/<int:client_pk>/reminders/new/", views.reminder_new, name="reminder_new"),
    path("reminders/<int:pk>/done/", views.reminder_done, name="reminder_done"),
    path("clients/<int:client_pk>/enrolments/new/", views.enrolment_new, name="enrolment_new"),
    path("enrolments/<int:pk>/end/", views.enrolment_end, name="enrolment_end"),
    path(
        "enrolments/<int:pk>/correct/",
        correction_view(
            Enrolment, back=_client_page, select_related=("client", "programme", "outcome")
        ),
        name="enrolment_correct",
    ),
    path(
        "clients/<int:client_pk>/interventions/new/",
        intervention_views.intervention_new,
        name="intervention_new",
    ),
    path(
        "interventions/<int:pk>/",
        intervention_views.intervention_detail,
        name="intervention_detail",
    ),
    path(
        "interventions/<int:pk>/status/",
        intervention_views.intervention_status,
        name="intervention_status",
    ),
    path(
        "interventions/<int:pk>/edit/",
        intervention_views.intervention_edit,
        name="intervention_edit",
    ),
    path(
        "interventions/<int:pk>/correct/",
        correction_view(
            Intervention,
            back=_intervention_page,
            select_related=("client", "type", "outcome"),
            form_class=InterventionCorrectionForm,
        ),
        name="intervention_correct",
    ),
]
