"""Fixtures shared by every app's tests: factories named after the state they build."""

import itertools

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def rate_limits_off(settings):
    """Throttles stay off in tests unless a test turns them on (accounts/tests/test_throttles.py),
    and every test starts with an empty cache, so no test sees another's request counts."""
    settings.RATE_LIMITS_ENABLED = False
    cache.clear()


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
