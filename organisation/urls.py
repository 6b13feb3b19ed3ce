"""URLs of the organisation app."""

from django.urls import path

from organisation import views

app_name = "organisation"
urlpatterns = [
    path("", views.admin_home, name="home"),
    path("access-log/", views.access_log, name="access_log"),
]
