"""URLs of the dashboards."""

from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("tables/<slug:slug>.<str:fmt>", views.dashboard_download, name="download"),
]
