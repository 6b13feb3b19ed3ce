"""URLs of the research app."""

from django.urls import path

from research import views

app_name = "research"
urlpatterns = [path("", views.researcher_home, name="home")]
