"""A database that does not answer: every door says so at once (503 with Retry-After), never a
500 and never a wait for the pool's whole patience. The site runs in a process of its own whose
DATABASE_URL names a port where nothing listens: a real refused connection."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REQUESTS = """
import django, json, time
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
for path, headers in [
    ("/api/v1/groups/", {"HTTP_AUTHORIZATION": "Token " + "a" * 40}),
    ("/api/v1/groups/1/messages/", {"HTTP_AUTHORIZATION": "Token " + "a" * 40}),
    ("/", {"HTTP_COOKIE": "sessionid=" + "b" * 32}),
    ("/login/", {}),
]:
    started = time.monotonic()
    response = client.get(path, **headers)
    print(json.dumps([path, response.status_code, response.get("Retry-After"),
                      round(time.monotonic() - started, 2)]))
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens


def test_every_door_answers_503_with_retry_after_within_two_seconds_when_postgresql_is_away():
    # given
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{_closed_port()}/chat",
        "DJANGO_LOG_LEVEL": "CRITICAL",
    }
    env.pop("REDIS_URL", None)

    # when
    result = subprocess.run(
        [sys.executable, "-c", REQUESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then: the sign-in page needs no database; everything else says it is away
    assert result.returncode == 0, result.stderr[-3000:]
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(path, status, retry) for path, status, retry, _ in answers] == [
        ("/api/v1/groups/", 503, "2"),
        ("/api/v1/groups/1/messages/", 503, "2"),
        ("/", 503, "2"),
        ("/login/", 200, None),
    ]
    assert all(seconds <= 3 for *_, seconds in answers), answers
    assert "Traceback" not in result.stdout
