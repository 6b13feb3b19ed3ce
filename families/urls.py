"""URLs of the families app."""

from django.urls import path

from families import views

app_name = "families"
urlpatterns = [path("", views.coordinator_home, name="home")]
