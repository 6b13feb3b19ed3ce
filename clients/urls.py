"""URLs of the client register. Only database ids appear in them, never personal data."""

from django.urls import path

from clients import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("search/", views.client_search, name="search"),
    path("new/", views.client_register, name="register"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
]
