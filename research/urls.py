"""URLs of the research app."""

from django.urls import path

from research import views

app_name = "research"
urlpatterns = [
    path("", views.researcher_home, name="home"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/exports/new/", views.export_new, name="export_new"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("approvals/", views.approvals, name="approvals"),
    path("projects/<int:pk>/approve/", views.project_approve, name="project_approve"),
    path("projects/<int:pk>/samples/new/", views.sample_new, name="sample_new"),
    path("clients/<int:client_pk>/consents/", views.client_consents, name="client_consents"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("samples/clients/", views.sampled_clients, name="sampled_clients"),
    path("export-log/", views.export_log, name="export_log"),
]
