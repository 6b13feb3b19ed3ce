"""Admin pages whose bulk actions refuse a forged selection instead of failing on it."""

from typing import Any

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


class CheckedActionsMixin:
    """Django's admin filters on the posted ids as they come: a non-number is a ValueError."""

    model: Any

    def response_action(
        self, request: HttpRequest, queryset: Any, *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        pk = self.model._meta.pk
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.to_python(value)
        except ValidationError:
            messages.warning(request, _("The selection could not be read. Choose the rows again."))
            return None
        return super().response_action(request, queryset, *args, **kwargs)  # type: ignore[misc,no-any-return]
