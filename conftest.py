"""Fixtures shared by every app's tests: factories named after the state they build."""

import itertools
import os
import tempfile
import threading
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import events
from groups import services as group_services
from groups.models import Membership
from messaging.services import send_message

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"

# The site processes the tests start (servers, workers) keep attachments in a folder of the
# run's own, never in the project's media/.
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="chat-test-media-")


@pytest.fixture(autouse=True)
def attachments_in_a_folder_of_the_test(settings, tmp_path):
    """Each test's uploads land in its own folder (the file-system storage)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "attachments"},
        },
    }


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file rather than memory, so that a server process (the
    browser tests' site, tests/browser/conftest.py) can open the same database."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test_name = tmp_path_factory.mktemp("db") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(test_name)


@pytest.fixture(autouse=True, scope="session")
def events_checked_json_safe():
    """Every event a service publishes is checked where it is built (core.events)."""
    events.check_json_safe = True
    yield
    events.check_json_safe = False


@pytest.fixture(autouse=True)
def rate_limits_off(settings):
    """Throttles stay off in tests unless a test turns them on (accounts/tests/test_throttles.py),
    and every test starts with an empty cache, so no test sees another's request counts."""
    settings.RATE_LIMITS_ENABLED = False
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashers cost about half a second per user on purpose; tests make many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(django_user_model):
    def make(username: str | None = None, **fields):
        username = username or f"user{next(_counter)}"
        fields.setdefault("display_name", username.title())
        return django_user_model.objects.create_user(username=username, password=PASSWORD, **fields)

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_api_client():
    """An API client authenticated by the user's token, as a program would be."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def make_group(make_user):
    """A named group made through the services: its owner (a new user unless given) and, by role,
    the other members."""

    def make(*, owner=None, name: str = "Team", is_public: bool = False, admins=(), members=()):
        owner = owner or make_user()
        group = group_services.group_create(creator=owner, name=name, is_public=is_public)
        for role, users in ((Membership.Role.ADMIN, admins), (Membership.Role.MEMBER, members)):
            for member in users:
                group_services.membership_add(actor=owner, group=group, user=member, role=role)
        return group

    return make


@pytest.fixture
def make_message():
    """A message sent through the service: `make_message(group=g, sender=u, body="hi")`."""

    def make(*, group, sender, body: str = "hello", client_id: str | None = None):
        message, _ = send_message(sender=sender, group_id=group.id, body=body, client_id=client_id)
        return message

    return make


@pytest.fixture
def make_cast(make_user, make_group, make_message):
    """A group with one user in each role, a message from a plain member (`sender`), and two
    users outside it: `outsider` (looks in) and `candidate` (to be added)."""

    def make(*, is_public: bool = False) -> SimpleNamespace:
        owner, admin, member, sender = (make_user() for _ in range(4))
        group = make_group(
            owner=owner, is_public=is_public, admins=[admin], members=[member, sender]
        )
        return SimpleNamespace(
            group=group,
            message=make_message(group=group, sender=sender),
            owner=owner,
            admin=admin,
            member=member,
            sender=sender,
            outsider=make_user(),
            candidate=make_user(),
        )

    return make


@pytest.fixture
def run_concurrently(transactional_db):
    """`run_concurrently(call, call, ...)` starts each call in its own thread at the same moment
    (a barrier), each on its own database connection, closed when it ends. Returns what each
    call returned or raised, in order. Data made in the test is committed (transactional_db),
    so the threads see it."""

    def run(*calls: Callable) -> list:
        barrier = threading.Barrier(len(calls))
        outcomes: list = [None] * len(calls)

        def work(index: int, call: Callable) -> None:
            try:
                barrier.wait()
                outcomes[index] = call()
            except Exception as error:  # handed to the test, which asserts on it
                outcomes[index] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=item) for item in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    return run
