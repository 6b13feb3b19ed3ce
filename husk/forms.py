"""The login form, with Norwegian labels and autocomplete hints."""

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    # `request` by name: the two-step login view passes it only to forms that name it, and
    # the login throttle (django-axes) needs it.
    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].label = _("Password")
