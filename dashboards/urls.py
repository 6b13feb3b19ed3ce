"""URLs of the dashboards."""

from django.urls import path

from dashboards import emergency_views, views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("tables/<slug:slug>.<str:fmt>", views.dashboard_download, name="download"),
    path("emergency-access/", emergency_views.emergency_accesses, name="emergency_access"),
    path(
        "emergency-access/<int:pk>/followed-up/",
        emergency_views.emergency_access_followed_up,
        name="emergency_access_followed_up",
    ),
]
