"""URLs of follow-up."""

from django.urls import path

from followup import views

app_name = "followup"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("filters/", views.save_filter, name="save_filter"),
    path("clients/<int:client_pk>/contacts/new/", views.contact_new, name="contact_new"),
]
