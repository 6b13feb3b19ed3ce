"""Two-factor login for password accounts: a TOTP code after the password, for every role.

The steps are django-two-factor-auth's (one page for the password, one for the code; the
enrolment with a QR code; backup codes), on django-otp's devices. HUSK adds what a required
second factor needs around them: a session verified by single sign-on counts as verified (the
identity provider asked for two factors), the pages speak bokmål, the QR code names HUSK,
and an administrator can reset a person's factors so that they enrol again.

Whether a page needs the second factor is decided with its access policy
(organisation.access.Rule.second_factor): a signed-in but unverified session reaches the
enrolment and the logout, nothing else.
"""

import base64
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor import views as two_factor_views
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.utils import default_device

from organisation.forms import LoginForm
from organisation.second_factor import second_factor_given
from organisation.sso import BACKEND_PATH

if TYPE_CHECKING:
    from organisation.models import User

logger = logging.getLogger(__name__)

# Where the library's views find an unfinished enrolment's next page (SetupCompleteView).
NEXT_SESSION_KEY = "next"
# The wizards' messages in bokmål, instead of the library's own (and django-otp's) English.
CODE_ERRORS = {
    "token_required": _("Enter the code from your authenticator app."),
    "invalid_token": _("The code is wrong or has expired. Enter the code your app shows now."),
    "n_failed_attempts": _("Too many wrong codes. Wait a few seconds and try again."),
    "verification_not_allowed": _("Too many wrong codes. Wait a few seconds and try again."),
}

# The library's own words (and its bokmål) for a code step reached after the timeout.
LOGIN_TIMED_OUT = _("Your session has timed out. Please login again.")


def signed_in_by_sso(request: HttpRequest) -> bool:
    """The session was signed in through the identity provider, which gave two factors."""
    return bool(request.session.get(BACKEND_SESSION_KEY) == BACKEND_PATH)


class HuskOTPMiddleware(OTPMiddleware):
    """django-otp's middleware (request.user.is_verified()), with single sign-on as verified."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        user = super()._verify_user_sync(request, user)
        if user.is_authenticated and user.otp_device is None and signed_in_by_sso(request):
            user.is_verified = lambda: True
        return user


def safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


class _OneMessage:
    """A code that is not even well-formed is told so once, at the field: django-otp's check
    would add "enter the code" beside it, as if nothing had been typed."""

    otp_error_messages = {**AuthenticationTokenForm.otp_error_messages, **CODE_ERRORS}

    def clean(self) -> dict[str, Any]:
        if self.has_error("otp_token"):  # type: ignore[attr-defined]
            return self.cleaned_data  # type: ignore[attr-defined,no-any-return]
        return super().clean()  # type: ignore[misc,no-any-return]


class CodeForm(_OneMessage, AuthenticationTokenForm):
    """The six-digit code from the authenticator app."""

    # The arguments by name: the login view passes only those the form's signature names.
    def __init__(self, user: Any, initial_device: Any, **kwargs: Any) -> None:
        super().__init__(user, initial_device, **kwargs)
        field = self.fields["otp_token"]
        field.label = _("Code")
        field.widget.attrs["inputmode"] = "numeric"
        wrong_shape = _("The code is six digits, as your authenticator app shows it.")
        field.error_messages.update(
            {"invalid": wrong_shape, "min_length": wrong_shape, "max_length": wrong_shape}
        )


class BackupCodeForm(_OneMessage, BackupTokenForm):
    """One of the person's one-time backup codes."""

    def __init__(self, user: Any, initial_device: Any, **kwargs: Any) -> None:
        super().__init__(user, initial_device, **kwargs)
        field = self.fields["otp_token"]
        field.label = _("Backup code")
        field.widget.attrs["autocomplete"] = "off"


class LoginView(two_factor_views.LoginView):
    """The password on one page, the code (or a backup code) on the next."""

    template_name = "two_factor/core/login.html"
    # Given as pairs; formtools makes it a dict for each request (get_form assigns to it).
    form_list: Any = (
        (two_factor_views.LoginView.AUTH_STEP, LoginForm),
        (two_factor_views.LoginView.TOKEN_STEP, CodeForm),
        (two_factor_views.LoginView.BACKUP_STEP, BackupCodeForm),
    )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A verified session has nothing to do here; an unverified one may log in anew.
        if request.user.is_authenticated and second_factor_given(request.user):
            return HttpResponseRedirect(self.get_success_url())
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response

    def get_form(self, step: str | None = None, **kwargs: Any) -> Any:
        # The library picks the code step's form by the device's kind on each call; HUSK's
        # devices are TOTP (and backup codes), so the code step is always CodeForm. The rest
        # is the library's get_form: its timeout message on the page after too long a wait.
        if (step or self.steps.current) == self.TOKEN_STEP:
            self.form_list[self.TOKEN_STEP] = CodeForm
        form = super(two_factor_views.LoginView, self).get_form(step=step, **kwargs)
        if self.show_timeout_error:
            form.cleaned_data = getattr(form, "cleaned_data", {})
            form.add_error(None, ValidationError(LOGIN_TIMED_OUT))
        return form

    def get_context_data(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(form, **kwargs)
        # Kept through both steps: the page asked for before login, if it is ours.
        context["next"] = self.get_redirect_url()
        return context


class SetupView(two_factor_views.SetupView):
    """Enrolment: a QR code (and the secret, for typing in) and a first code to confirm it."""

    template_name = "two_factor/core/setup.html"

    def get_success_url(self) -> str:
        # Backup codes are offered before the page asked for; it is kept for the last step.
        self.request.session[NEXT_SESSION_KEY] = self.get_redirect_url()
        return reverse(self.success_url)

    def get_form(self, step: str | None = None, **kwargs: Any) -> Any:
        form = super().get_form(step=step, **kwargs)
        if "token" in form.fields:
            form.fields["token"].label = _("Code")
            form.error_messages = {"invalid_token": CODE_ERRORS["invalid_token"]}
        return form

    def get_context_data(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(form, **kwargs)
        context["next"] = self.get_redirect_url()
        if "secret_key" in context:
            # Groups of four, as authenticator apps show a typed-in secret.
            secret = context["secret_key"]
            context["secret_groups"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        return context


class QRGeneratorView(two_factor_views.QRGeneratorView):
    """The enrolment's QR code as an SVG drawn here: the secret never leaves the server."""

    def get_issuer(self) -> str:
        return str(settings.OTP_TOTP_ISSUER)


class SetupCompleteView(two_factor_views.SetupCompleteView):
    """Enrolled: backup codes are offered, then the page asked for before login."""

    template_name = "two_factor/core/setup_complete.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        next_url = safe_next(request, request.session.get(NEXT_SESSION_KEY) or "")
        response: HttpResponse = self.render_to_response(
            {**self.get_context_data(**kwargs), "next": next_url or reverse("home")}
        )
        return response


class BackupTokensView(two_factor_views.BackupTokensView):
    """Ten one-time backup codes, shown once when made; making new ones voids the old."""

    template_name = "two_factor/core/backup_tokens.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["next"] = safe_next(self.request, self.request.session.get(NEXT_SESSION_KEY) or "")
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        super().form_valid(form)
        messages.success(
            self.request, _("Ten new backup codes are made. The ones before them no longer work.")
        )
        return redirect("two_factor:backup_tokens")


def reset_two_factor(user: "User") -> int:
    """Remove every second factor of the person: their next login starts a new enrolment.

    Sessions verified by a removed device are no longer verified (django-otp looks the device
    up on each request), so the person is sent to enrolment at once."""
    removed = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    logger.info("two-factor login reset for user %s (%d devices removed)", user.pk, removed)
    return removed


def enrol_with_secret(user: "User", secret_base32: str) -> TOTPDevice:
    """Give the person a TOTP device with a known secret (the demo's, documented)."""
    key = base64.b32decode(secret_base32).hex()
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name="default", defaults={"key": key, "confirmed": True}
    )
    return device


def has_second_factor(user: "User") -> bool:
    return default_device(user) is not None
