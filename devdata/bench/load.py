"""The benchmark's load generator: locust users against one page, in a process of its own.

    python -m devdata.bench.load --host http://127.0.0.1:8765 --sessions S1 S2 … \
        --scenario caseload --paths /caseload/ --users 16 --seconds 20

Each simulated user has a session of its own (made by the benchmark), and requests the scenario's
page in a loop, one of the given paths at random, until the time is up; the
process prints the median, p95, request count and failures as JSON. It never
imports Django: gevent's monkey-patching stays out of the server's processes.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after monkey-patching, as gevent requires
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def user_class(options: argparse.Namespace) -> type[HttpUser]:
    paths: list[str] = options.paths
    fields: dict[str, str] = json.loads(options.form)  # of the POST, read once
    sessions: list[str] = list(options.sessions)

    class BenchUser(HttpUser):
        host = options.host
        wait_time = constant(0)  # closed loop: the next request as soon as one is answered

        def on_start(self) -> None:
            # Signed in already: a session made by the benchmark for each simulated user.
            self.client.cookies.set("sessionid", sessions.pop())

        @task
        def one(self) -> None:
            path = random.choice(paths)  # noqa: S311 - load, not security
            if options.scenario == "contact_post":
                form = self.client.get(path, name="contact_form")
                token = CSRF.search(form.text)
                with self.client.post(
                    path,
                    {
                        **fields,
                        "csrfmiddlewaretoken": token.group(1) if token else "",
                    },
                    headers={"Referer": f"{options.host}{path}"},
                    name=options.scenario,
                    allow_redirects=False,
                    catch_response=True,
                ) as response:
                    if response.status_code != 302:
                        response.failure(f"not saved: {response.status_code}")
            else:
                with self.client.get(
                    path, name=options.scenario, allow_redirects=False, catch_response=True
                ) as response:
                    if response.status_code != 200:
                        response.failure(f"status {response.status_code}")

    return BenchUser


def run(options: argparse.Namespace) -> dict[str, Any]:
    environment = Environment(user_classes=[user_class(options)])
    runner = environment.create_local_runner()
    runner.start(options.users, spawn_rate=options.users)
    # Warm-up (logins, first requests that fill caches) is left out of the figures.
    gevent.sleep(options.warmup)
    environment.stats.reset_all()
    gevent.sleep(options.seconds)
    runner.quit()
    entry = environment.stats.get(options.scenario, "POST" if "post" in options.scenario else "GET")
    return {
        "scenario": options.scenario,
        "users": options.users,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "median_ms": entry.get_response_time_percentile(0.5),
        "p95_ms": entry.get_response_time_percentile(0.95),
        "rps": entry.num_requests / options.seconds,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--sessions", nargs="+", required=True, help="one per user")
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--paths", nargs="+", required=True)
    parser.add_argument("--form", default="{}", help="JSON of the fields a POST sends")
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    print(json.dumps(run(parser.parse_args(argv))))


if __name__ == "__main__":
    main(sys.argv[1:])
