"""URLs of the client register. Only database ids appear in them, never personal data."""

from django.urls import path

from clients import emergency_views, episode_views, views
from clients.assessment_views import assessment_correct, assessment_detail, assessment_new
from clients.correction_forms import BenefitCorrectionForm, EpisodeCorrectionForm
from clients.models import BenefitPeriod, CaseEpisode
from organisation.correction_views import correction_view


def _client_page(record: CaseEpisode | BenefitPeriod) -> str:
    return str(record.client.get_absolute_url())


# The client page, its history and the search are casefile's, mounted under these names by
# husk.urls.
app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("emergency/", emergency_views.emergency_access, name="emergency_access"),
    path("new/", views.client_register, name="register"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:client_pk>/assessments/new/", assessment_new, name="assessment_new"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/correct/", assessment_correct, name="assessment_correct"),
    path("<int:pk>/access-report/", views.client_access_report, name="access_report"),
    path("<int:pk>/merge/", views.client_merge, name="merge"),
    path("<int:pk>/transfer/", views.client_transfer, name="transfer"),
    path("merges/<int:pk>/undo/", views.client_merge_undo, name="merge_undo"),
]
urlpatterns += [
    path("<int:client_pk>/episodes/new/", episode_views.episode_new, name="episode_new"),
    path("episodes/<int:pk>/edit/", episode_views.episode_edit, name="episode_edit"),
    path("<int:client_pk>/benefits/new/", episode_views.benefit_new, name="benefit_new"),
    path("benefits/<int:pk>/end/", episode_views.benefit_end, name="benefit_end"),
    path(
        "episodes/<int:pk>/correct/",
        correction_view(
            CaseEpisode,
            back=_client_page,
            select_related=("client__office", "closing_reason"),
            form_class=EpisodeCorrectionForm,
        ),
        name="episode_correct",
    ),
    path(
        "benefits/<int:pk>/correct/",
        correction_view(
            BenefitPeriod,
            back=_client_page,
            select_related=("client__office", "kind"),
            form_class=BenefitCorrectionForm,
        ),
        name="benefit_correct",
    ),
]
