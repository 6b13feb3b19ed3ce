"""The load test's generator: locust users on mixed journeys, in a process of its own.

    python -m devdata.bench.journeys --host http://127.0.0.1:8766 --accounts accounts.json \
        --users 16 --seconds 180

Each simulated user signs in through the login pages as one account of its own (given by
`manage.py loadtest`) and goes round its role's journey until the time is up: a caseworker
the caseload, a client, the contact form and a contact saved; a coordinator the families,
a family and its plan; a manager the dashboard. Every page must answer as it does for a
person (200, the saved contact 302); anything else is an error. Prints, as JSON, each page's
requests, errors, median, p95 and maximum after every user has signed in and a warm-up, and
the errors of the whole run.
Django is not set up here: gevent's monkey-patching stays out of the server's processes.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after monkey-patching, as gevent requires
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402
from requests import RequestException  # noqa: E402

from devdata.testing.signin import SignInError, sign_in  # noqa: E402

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def user_class(
    options: argparse.Namespace, errors: list[str], signed_in: list[str]
) -> type[HttpUser]:
    accounts: list[dict[str, Any]] = json.loads(Path(options.accounts).read_text())
    random.shuffle(accounts)

    class Staff(HttpUser):
        host = options.host
        wait_time = between(options.think / 2, options.think * 1.5)  # reading the page

        def on_start(self) -> None:
            self.account = accounts.pop()
            try:
                sign_in(
                    self.client,
                    options.host,
                    self.account["username"],
                    self.account["password"],
                    self.account.get("totp_secret"),
                    name="login",
                    # The password hash is slow by design, and many sign in at once.
                    timeout=120,
                )
            except (SignInError, RequestException) as error:
                errors.append(f"login: {error}")
                raise StopUser from error
            signed_in.append(self.account["username"])

        def page(self, name: str, path: str, **kwargs: Any) -> str:
            with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
                return str(response.text)

        @task
        def journey(self) -> None:
            role = self.account["role"]
            if role == "caseworker":
                client = random.choice(self.account["clients"])  # noqa: S311 - load, not security
                self.page("caseload", "/caseload/")
                self.page("client page", f"/clients/{client}/")
                path = f"/caseload/clients/{client}/contacts/new/"
                form = self.page("contact form", path)
                token = CSRF.search(form)
                with self.client.post(
                    path,
                    {
                        "csrfmiddlewaretoken": token.group(1) if token else "",
                        "date": self.account["today"],
                        "channel": self.account["channel"],
                        "duration_minutes": "30",
                        "note": "Load test.",
                    },
                    headers={"Referer": f"{options.host}{path}"},
                    name="contact POST",
                    allow_redirects=False,
                    catch_response=True,
                ) as response:
                    if response.status_code != 302:
                        response.failure(f"not saved: {response.status_code}")
            elif role == "coordinator":
                family = random.choice(self.account["families"])  # noqa: S311
                self.page("families", "/families/")
                self.page("family page", f"/families/{family}/")
                self.page("family plan", f"/families/{family}/plan/")
            else:
                self.page("dashboard", "/dashboard/")

    return Staff


def run(options: argparse.Namespace) -> dict[str, Any]:
    errors: list[str] = []
    signed_in: list[str] = []
    environment = Environment(user_classes=[user_class(options, errors, signed_in)])

    def count(name: str, exception: Exception | None, **_: Any) -> None:
        if exception is not None:
            errors.append(f"{name}: {exception}")

    environment.events.request.add_listener(count)  # type: ignore[no-untyped-call]
    runner = environment.create_local_runner()
    # Staff arrive a few a second, not all in the same instant.
    runner.start(options.users, spawn_rate=options.spawn_rate)
    # Sign-ins (a deliberately slow password hash each) and the first requests (caches
    # filling) are left out of the figures, not out of the errors.
    deadline = time.monotonic() + options.signin_seconds
    while len(signed_in) + len(errors) < options.users and time.monotonic() < deadline:
        gevent.sleep(0.2)
    gevent.sleep(options.warmup)
    environment.stats.reset_all()
    began = time.monotonic()
    gevent.sleep(options.seconds)
    # On a slow machine, on until every page has been answered at least once (at most
    # --at-most seconds): figures of a page never measured would say nothing.
    while time.monotonic() - began < options.at_most and not all(
        environment.stats.get(page, "POST" if "POST" in page else "GET").num_requests
        for page in options.pages
    ):
        gevent.sleep(0.5)
    measured_seconds = time.monotonic() - began
    runner.quit()
    pages = []
    for (name, method), entry in sorted(environment.stats.entries.items()):
        pages.append(
            {
                "page": name,
                "method": method,
                "requests": entry.num_requests,
                "errors": entry.num_failures,
                "median_ms": entry.get_response_time_percentile(0.5),
                "p95_ms": entry.get_response_time_percentile(0.95),
                "max_ms": round(entry.max_response_time or 0),
                "rps": entry.num_requests / measured_seconds,
            }
        )
    return {
        "users": options.users,
        "signed_in": len(set(signed_in)),
        "seconds": measured_seconds,
        "pages": pages,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:10],
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--accounts", required=True, help="JSON file: one account a user")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--at-most", type=float, default=0, help="Seconds, waiting for --pages.")
    parser.add_argument("--pages", nargs="*", default=[], help="Each to be answered once.")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--spawn-rate", type=float, default=2, help="Users arriving a second.")
    parser.add_argument("--signin-seconds", type=float, default=180, help="For every sign-in.")
    parser.add_argument("--think", type=float, default=1.0, help="Mean seconds between pages.")
    print(json.dumps(run(parser.parse_args(argv))))


if __name__ == "__main__":
    main(sys.argv[1:])
