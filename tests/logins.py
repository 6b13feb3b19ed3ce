"""Logging in with Django's test client through the two login pages, as a person does.

`client.force_login` stands for a whole login (tests/conftest.py); the tests of login itself
go through the pages with these helpers. The code comes from the user's own TOTP device,
computed by pyotp, independently of django-otp's code under test.
"""

import base64
import time

import pyotp
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisation.models import User


class TOTP(pyotp.TOTP):
    """pyotp's TOTP, for the demo's documented secret too: HUSKDEMOHUSKDEMO is 80 bits, under
    the 112 that pyotp asks of new secrets (django-otp's own enrolment makes 160-bit ones)."""

    min_secret_length_bits = 80


def password_step(client: HttpClient, username: str, password: str, **extra: str) -> HttpResponse:
    """The first page: the username and the password."""
    response: HttpResponse = client.post(
        reverse("login"),
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
            **extra,
        },
    )
    return response


def code_step(client: HttpClient, code: str, step: str = "token") -> HttpResponse:
    """The second page: the code from the app ("token") or a backup code ("backup")."""
    response: HttpResponse = client.post(
        reverse("login"), {"login_view-current_step": step, f"{step}-otp_token": code}
    )
    return response


def enrol(user: User) -> TOTPDevice:
    """The user has set up an authenticator app (a secret of their own)."""
    key = base64.b32decode(pyotp.random_base32()).hex()
    device: TOTPDevice = TOTPDevice.objects.create(
        user=user, name="default", key=key, confirmed=True
    )
    return device


def secret_of(user: User) -> str:
    """The base32 secret an authenticator app was given for the user's device."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return base64.b32encode(bytes.fromhex(device.key)).decode()


def fresh_code(user: User) -> str:
    """A code the user's device has not yet accepted.

    django-otp accepts each time step once (a code seen over a shoulder cannot be used
    again), so a second login within 30 seconds takes the next step's code, which it
    accepts one step early; a third waits for the clock."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(secret_of(user), interval=device.step)
    while True:
        now = int(time.time())
        step = now // device.step
        wanted = max(step, device.last_t + 1)
        if wanted <= step + device.tolerance:
            return totp.at(wanted * device.step)
        time.sleep(device.step - now % device.step + 0.1)


def log_in(client: HttpClient, username: str, password: str) -> HttpResponse:
    """Both pages: the password, then (for an enrolled user) a fresh code. The last answer."""
    response = password_step(client, username, password)
    if response.status_code != 200 or "token-otp_token" not in response.text:
        return response  # refused, or let in without a code (not enrolled yet)
    return code_step(client, fresh_code(User.objects.get(username=username)))
