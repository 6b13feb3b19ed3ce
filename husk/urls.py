"""Root URLs. Every view here declares its access policy (see organisation.access)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from casefile import urls as casefile_urls
from clients import urls as client_urls
from husk import views
from organisation import sso_views, two_factor
from organisation.access import (
    ADMINISTRATION,
    LOGGED_IN,
    PUBLIC,
    SIGNING_IN,
    policy,
    with_policy,
)

# The enrolment and the backup codes, under the names django-two-factor-auth's views
# redirect to (two_factor:...). Its profile and "disable" pages are left out: the second
# factor is required, and only an administrator resets it (organisation.admin).
two_factor_urls = (
    [
        path("setup/", policy(SIGNING_IN)(two_factor.SetupView.as_view()), name="setup"),
        path(
            "qrcode/",
            policy(SIGNING_IN, methods=("GET",))(two_factor.QRGeneratorView.as_view()),
            name="qr",
        ),
        path(
            "setup/complete/",
            policy(LOGGED_IN, methods=("GET",))(two_factor.SetupCompleteView.as_view()),
            name="setup_complete",
        ),
        path(
            "backup-codes/",
            policy(LOGGED_IN)(two_factor.BackupTokensView.as_view()),
            name="backup_tokens",
        ),
    ],
    "two_factor",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The password, then the code: one page each (organisation.two_factor).
    path("login/", policy(PUBLIC)(two_factor.LoginView.as_view()), name="login"),
    path("two-factor/", include(two_factor_urls)),
    path("logout/", policy(SIGNING_IN)(sso_views.LogoutView.as_view()), name="logout"),
    path("sso/login/", policy(PUBLIC)(sso_views.SSOLoginView.as_view()), name="sso_login"),
    path("sso/callback/", policy(PUBLIC)(sso_views.SSOCallbackView.as_view()), name="sso_callback"),
    path("i18n/setlang/", policy(PUBLIC)(set_language), name="set_language"),
    # The clients' namespace holds the case file's pages too (the client page, its history and
    # the search), which read apps above clients.
    path("clients/", include((client_urls.urlpatterns + casefile_urls.client_patterns, "clients"))),
    path("caseload/", include("followup.urls")),
    path("families/", include("families.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("research/", include("research.urls")),
    path("administration/", include("organisation.urls")),
    path("django-admin/", with_policy(ADMINISTRATION, admin.site.urls)),
]

# The bench's yardstick, by name only: the product's URLconf never imports devdata.
if settings.BENCH_REFERENCE_PAGE:
    urlpatterns.append(path("reference/", include("devdata.bench.urls")))
