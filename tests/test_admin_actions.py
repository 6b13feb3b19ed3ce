"""The admin's bulk actions refuse a forged selection with a message, on every admin page."""

from django.contrib import admin
from django.test import Client as HttpClient
from django.urls import reverse

from audit.admin_actions import CheckedActionsMixin
from organisation.models import Office, User


def test_every_admin_page_checks_its_selection() -> None:
    unchecked = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if not isinstance(model_admin, CheckedActionsMixin)
        and model_admin.get_actions is not None
        and type(model_admin).__module__.split(".")[0]
        in {"organisation", "codelists", "followup", "research", "clients", "families"}
    ]
    assert unchecked == []


def test_a_forged_selection_is_refused_with_a_message(
    client: HttpClient, administrator: User, heimdal: Office
) -> None:
    client.force_login(administrator)
    page = reverse("admin:organisation_office_changelist")
    response = client.post(
        page, {"action": "delete_selected", "_selected_action": ["not-a-number"]}, follow=True
    )
    assert response.status_code == 200
    assert "Utvalget kunne ikke leses" in response.text
    assert Office.objects.filter(pk=heimdal.pk).exists()
