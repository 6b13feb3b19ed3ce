"""URLs of follow-up."""

from django.urls import path

from followup import intervention_views, views

app_name = "followup"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("filters/", views.save_filter, name="save_filter"),
    path("clients/<int:client_pk>/contacts/new/", views.contact_new, name="contact_new"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("clients/<int:client_pk>/reminders/new/", views.reminder_new, name="reminder_new"),
    path("reminders/<int:pk>/done/", views.reminder_done, name="reminder_done"),
    path("clients/<int:client_pk>/enrolments/new/", views.enrolment_new, name="enrolment_new"),
    path("enrolments/<int:pk>/end/", views.enrolment_end, name="enrolment_end"),
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
]
