"""A real OpenID Connect provider for the SSO tests: panva's oidc-provider in a Node process.

`npm ci` installs it from the committed package-lock.json the first time (bounded in time);
each provider listens on a free loopback port and is stopped when its `with` block ends.
"""

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NPM_CI_TIMEOUT = 300
START_TIMEOUT = 30
CLIENT_ID = "husk"
CLIENT_SECRET = "husk-local-secret"


def node_or_fail() -> str:
    node = shutil.which("node")
    if node is None:
        reason = "Node.js is needed for the local OpenID Connect provider."
        if os.environ.get("CI"):
            pytest.fail(f"{reason} CI must run the SSO tests.")
        pytest.skip(reason)
    return node


def install() -> None:
    """`npm ci` from the lock file, once per checkout."""
    if (HERE / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install the local OpenID Connect provider.")
    subprocess.run(  # noqa: S603 - fixed arguments
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        check=True,
        timeout=NPM_CI_TIMEOUT,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalProvider:
    issuer: str
    process: subprocess.Popen[str]
    events: list[dict[str, object]] = field(default_factory=list)

    def saw(self, event: str) -> bool:
        return any(entry.get("event") == event for entry in self.events)


@contextmanager
def local_provider(
    *,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    clock_offset: int = 0,
    end_session: bool = True,
) -> Iterator[LocalProvider]:
    node = node_or_fail()
    install()
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": ",".join(redirect_uris),
        "POST_LOGOUT_REDIRECT_URIS": ",".join(post_logout_redirect_uris),
        "CLOCK_OFFSET_SECONDS": str(clock_offset),
        "END_SESSION": "on" if end_session else "off",
        "NODE_ENV": "test",
    }
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [node, str(HERE / "server.mjs")],
        cwd=HERE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready = threading.Event()
    provider = LocalProvider(issuer=f"http://127.0.0.1:{port}", process=process)

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("ready "):
                ready.set()
            elif line.startswith("{"):
                provider.events.append(json.loads(line))

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready.wait(0.1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("The local OpenID Connect provider did not start.")
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
