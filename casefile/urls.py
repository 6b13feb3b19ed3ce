"""The case file's pages, under the clients' URLs and names (husk.urls mounts them there)."""

from django.urls import path

from casefile import views

client_patterns = [
    path("search/", views.client_search, name="search"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/history/", views.client_history, name="history"),
]
