"""What the production settings (DJANGO_DEBUG=0) give a visitor, checked in a process of its own
so the settings are computed as a production server computes them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-8f3a9c2d7e",
    "DJANGO_ALLOWED_HOSTS": "chat.example.com",
    "DJANGO_HTTPS": "0",
}

RESPONSE_HEADERS = """
import django
django.setup()
from django.test import Client
response = Client(HTTP_HOST="chat.example.com").get("/api/v1/users/me/")
print(response.status_code, "Server-Timing" in response.headers)
"""


def _api_answer_in_a_process(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", RESPONSE_HEADERS],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_responses_do_not_tell_how_long_the_server_took():
    assert _api_answer_in_a_process(**PRODUCTION) == "401 False"


def test_the_benchmarks_can_ask_for_the_server_time_in_production():
    assert _api_answer_in_a_process(**PRODUCTION, DJANGO_SERVER_TIMING="1") == "401 True"
