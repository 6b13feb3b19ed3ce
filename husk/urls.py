"""Root URLs. Every view here declares its access policy (see organisation.access)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from husk import views
from husk.bench.views import reference
from husk.forms import LoginForm
from organisation import sso_views
from organisation.access import ADMINISTRATION, LOGGED_IN, PUBLIC, policy, with_policy

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "login/",
        policy(PUBLIC)(
            auth_views.LoginView.as_view(
                authentication_form=LoginForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("logout/", policy(LOGGED_IN)(sso_views.LogoutView.as_view()), name="logout"),
    path("sso/login/", policy(PUBLIC)(sso_views.SSOLoginView.as_view()), name="sso_login"),
    path("sso/callback/", policy(PUBLIC)(sso_views.SSOCallbackView.as_view()), name="sso_callback"),
    path("i18n/setlang/", policy(PUBLIC)(set_language), name="set_language"),
    path("clients/", include("clients.urls")),
    path("caseload/", include("followup.urls")),
    path("families/", include("families.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("research/", include("research.urls")),
    path("administration/", include("organisation.urls")),
    path("django-admin/", with_policy(ADMINISTRATION, admin.site.urls)),
]

if settings.BENCH_REFERENCE_PAGE:
    urlpatterns.append(path("reference/", reference, name="reference"))
