"""Fixtures shared by every app's tests: factories named after the state they build."""

import itertools
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from groups import services as group_services
from groups.models import Membership
from messaging.services import send_message

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


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
