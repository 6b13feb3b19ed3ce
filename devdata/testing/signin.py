"""Signing in over HTTP as a person does, from a process of its own (fault tests, load test).

The one place that knows the login pages from outside: each step's form is read from the
page (hidden fields included) and filled in, the password on the first and, where the
account has two-factor login, the code from the authenticator secret on the next. It never
imports Django, so that the load generator's gevent process can use it.
"""

import base64
import importlib
import time
from html.parser import HTMLParser
from typing import Any

import requests

LOGIN_PATH = "/login/"
MAX_STEPS = 4  # password, code, the next step's code, and one to spare
# After a refused code django-otp makes the next try wait a second (its throttle).
THROTTLE_SECONDS = 1.1


class SignInError(RuntimeError):
    """The login pages did not let the account in."""


class _Forms(HTMLParser):
    """The POST forms of a page, each as its fields' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and values.get("method", "").lower() == "post":
            self._current = {}
            self.forms.append(self._current)
        elif (
            tag == "input"
            and self._current is not None
            and values.get("name")
            and values.get("type") not in {"submit", "button", "checkbox", "radio"}
        ):
            self._current[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def totp(secret_base32: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now for the secret (or that many 30-second steps
    later): django-otp's own TOTP."""
    # Imported only when a code is asked for: django-otp comes with two-factor login.
    oath = importlib.import_module("django_otp.oath")
    code = oath.totp(base64.b32decode(secret_base32), drift=steps_ahead)
    return f"{code:06d}"


def _login_form(html: str) -> dict[str, str] | None:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if any(name.endswith(("username", "password", "otp_token")) for name in form):
            return form
    return None


def sign_in(
    session: requests.Session,
    host: str,
    username: str,
    password: str,
    totp_secret: str | None = None,
    **request_options: Any,
) -> None:
    """Sign the session in through the login pages; SignInError if they refuse.

    request_options go to every request (a timeout; locust's `name`)."""
    request_options.setdefault("timeout", 30)
    url = f"{host}{LOGIN_PATH}"
    page = session.get(url, **request_options)
    codes_given = 0
    for _step in range(MAX_STEPS):
        form = _login_form(page.text) if page.status_code == 200 else None
        if form is None:
            raise SignInError(f"{username}: no login form ({page.status_code}) at {page.url}")
        for name in form:
            if name.endswith("username"):
                form[name] = username
            elif name.endswith("password"):
                form[name] = password
            elif name.endswith("otp_token"):
                if totp_secret is None:
                    raise SignInError(f"{username}: asked for a code, and no secret was given")
                if codes_given:
                    # Refused: each code is accepted once, and another login of the account
                    # took this step's; the next step's is accepted a step early.
                    time.sleep(THROTTLE_SECONDS)
                form[name] = totp(totp_secret, steps_ahead=codes_given)
                codes_given += 1
        page = session.post(
            url, form, headers={"Referer": url}, allow_redirects=False, **request_options
        )
        if page.status_code == 302:
            if page.headers.get("Location", "").startswith((LOGIN_PATH, url)):
                page = session.get(url, **request_options)  # the next step, or a refusal
                continue
            return
    raise SignInError(f"{username}: not signed in after {MAX_STEPS} steps")
