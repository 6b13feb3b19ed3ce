"""URLs of the families app."""

from django.urls import path

from families import views

app_name = "families"
urlpatterns = [
    path("", views.coordinator_home, name="home"),
    path("new/", views.family_new, name="new"),
    path("<int:pk>/", views.family_detail, name="detail"),
    path("<int:pk>/members/new/", views.member_add, name="member_add"),
    path("members/<int:pk>/leave/", views.member_leave, name="member_leave"),
    path("<int:pk>/split/", views.family_split, name="split"),
    path("<int:pk>/services/new/", views.service_add, name="service_add"),
]
