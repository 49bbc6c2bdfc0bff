"""Project-wide checks: the settings, migrations and deploy checks hold."""

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-8f3a9c2d7e",
        "DJANGO_ALLOWED_HOSTS": "chat.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_every_middleware_runs_on_the_async_path_without_thread_hops():
    # given
    from django.conf import settings
    from django.utils.module_loading import import_string

    # when
    sync_only = [
        path
        for path in settings.MIDDLEWARE
        if not getattr(import_string(path), "async_capable", False)
    ]

    # then: Django would adapt each of these with a thread hop on every ASGI request
    assert sync_only == []


@pytest.mark.django_db
def test_responses_say_how_long_the_server_took(client):
    # when
    response = client.get("/login/")

    # then
    name, duration = response["Server-Timing"].split(";dur=")
    assert name == "app"
    assert float(duration) > 0


@pytest.mark.django_db
async def test_static_files_are_served_on_the_async_path(async_client):
    # when: as under daphne, where whitenoise answers before Django's URL routing
    response = await async_client.get("/static/css/site.css")

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_the_server_skips_autobahns_per_frame_log_styling():
    # given: the websocket server writes every frame through sendData, which styles the
    # arguments of a debug log line (a test that fails here when autobahn stops doing so, and
    # the workaround in config/asgi.py can go)
    from autobahn.websocket import protocol

    assert "hltype(self.sendData)" in inspect.getsource(protocol.WebSocketProtocol.sendData)

    # when
    import config.asgi

    # then
    assert protocol.hltype is protocol.hlval is config.asgi._unstyled


def test_the_makefile_declares_as_phony_only_targets_it_has():
    # given
    makefile = (ROOT / "Makefile").read_text()
    phony = next(line for line in makefile.splitlines() if line.startswith(".PHONY:"))
    targets = {line.split(":")[0] for line in makefile.splitlines() if re.match(r"^[\w-]+:", line)}

    # then
    assert set(phony.split()[1:]) <= targets


def test_the_import_contracts_hold():
    # given: the floors of docs/architecture.md, as pyproject.toml's [tool.importlinter] states
    lint_imports = Path(sys.executable).parent / "lint-imports"

    # when
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )

    # then
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "app", ["core", "jobs", "accounts", "groups", "attachments", "messaging", "notifications"]
)
def test_each_test_module_is_named_after_the_module_it_tests(app):
    # given: <app>/tests/test_<module>.py tests <app>/<module>.py; a module of a package, such as
    # messaging/api/groups.py, is test_api_groups.py
    package = ROOT / app
    modules = {
        "_".join(path.relative_to(package).with_suffix("").parts)
        for path in package.rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(package).parts)
        and path.name != "__init__.py"
    }

    # when
    strays = [
        path.name
        for path in sorted((package / "tests").glob("test_*.py"))
        if path.stem.removeprefix("test_") not in modules
    ]

    # then
    assert strays == []
