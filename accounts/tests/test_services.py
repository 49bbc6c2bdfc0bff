"""Account services: the rules behind the pages and the API, and what they publish."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts import services
from accounts.models import User
from conftest import PASSWORD
from core import events


@pytest.mark.django_db
def test_user_register_refuses_a_name_differing_only_in_case(user):
    # when
    with pytest.raises(ValidationError) as refused:
        services.user_register(username="ALICE", password=PASSWORD)

    # then
    assert refused.value.message_dict == {"username": [services.USERNAME_TAKEN]}


@pytest.mark.django_db
def test_user_register_normalizes_the_email_domain():
    # when
    user = services.user_register(username="bo", password=PASSWORD, email="Bo@EXAMPLE.org")

    # then
    assert user.email == "Bo@example.org"


@pytest.mark.django_db
def test_the_database_refuses_names_differing_only_in_case(user):
    # when / then: the constraint holds even for writes that skip the service's check
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="Alice")


@pytest.mark.django_db
def test_user_register_with_token_stores_nothing_when_the_password_is_refused():
    # when
    with pytest.raises(ValidationError):
        services.user_register_with_token(username="cy", password="123")

    # then
    assert not User.objects.exists()
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_profile_update_refuses_an_invalid_email(user):
    # when
    with pytest.raises(ValidationError) as refused:
        services.profile_update(user=user, email="not-an-address")

    # then
    assert list(refused.value.message_dict) == ["email"]


@pytest.mark.django_db
def test_token_revoke_without_a_token_publishes_nothing(user, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        services.token_revoke(user=user)

    # then
    assert callbacks == []


# --- What reaches the channel layer (the real one: in-memory or Redis) ---------------------


@pytest.fixture
async def worker_thread_connections_closed():
    """These tests reach the database from sync_to_async's worker thread, as the ASGI server
    does; its connection is closed afterwards so the test database can be dropped."""
    yield
    await sync_to_async(connections.close_all)()


async def _subscribe_to_user(user_id: int) -> tuple[object, str]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.user_channel(user_id), channel)
    return layer, channel


@pytest.mark.django_db(transaction=True)
async def test_token_revoke_tells_the_users_sockets_which_token_ended(
    user, worker_thread_connections_closed
):
    # given
    token = await sync_to_async(Token.objects.create)(user=user)
    layer, channel = await _subscribe_to_user(user.pk)

    # when
    await sync_to_async(services.token_revoke)(user=user)

    # then
    event = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert event == events.assert_json_safe(
        {
            "type": events.CREDENTIALS_REVOKED,
            "user": user.pk,
            "token_key": token.key,
            "session_key": None,
        }
    )
    await layer.group_discard(events.user_channel(user.pk), channel)


@pytest.mark.django_db(transaction=True)
async def test_logging_out_tells_the_users_sockets_which_session_ended(
    user, client, worker_thread_connections_closed
):
    # given
    await sync_to_async(client.force_login)(user)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    layer, channel = await _subscribe_to_user(user.pk)

    # when
    response = await sync_to_async(client.post)(reverse("logout"))

    # then
    assert response.status_code == 302
    event = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert event == {
        "type": events.CREDENTIALS_REVOKED,
        "user": user.pk,
        "token_key": None,
        "session_key": session_key,
    }
    await layer.group_discard(events.user_channel(user.pk), channel)


@pytest.mark.django_db(transaction=True)
async def test_deactivating_an_account_in_the_admin_closes_every_socket_of_the_user(
    user, make_user, client, worker_thread_connections_closed
):
    # given: a superuser in the admin, and the user's sockets listening
    admin = await sync_to_async(make_user)("root", is_staff=True, is_superuser=True)
    await sync_to_async(client.force_login)(admin)
    change_page = reverse("admin:accounts_user_change", args=[user.pk])
    form = {
        "username": user.username,
        "display_name": user.display_name,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "is_active": "",  # unticked
    }
    layer, channel = await _subscribe_to_user(user.pk)

    # when
    response = await sync_to_async(client.post)(change_page, form)

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    await sync_to_async(user.refresh_from_db)()
    assert not user.is_active
    event = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert event == {
        "type": events.CREDENTIALS_REVOKED,
        "user": user.pk,
        "token_key": None,
        "session_key": None,
    }
    await layer.group_discard(events.user_channel(user.pk), channel)


# --- Password change: the security events ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_password_change_closes_every_socket_of_the_user_and_revokes_the_token(
    user, worker_thread_connections_closed
):
    # given
    await sync_to_async(Token.objects.create)(user=user)
    layer, channel = await _subscribe_to_user(user.pk)

    # when
    await sync_to_async(services.password_change)(
        user=user, old_password=PASSWORD, new_password="an0ther long passphrase"
    )

    # then: neither key named: every socket of the user closes (4401)
    event = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert event == {
        "type": events.CREDENTIALS_REVOKED,
        "user": user.pk,
        "token_key": None,
        "session_key": None,
    }
    assert not await sync_to_async(Token.objects.filter(user=user).exists)()
    await layer.group_discard(events.user_channel(user.pk), channel)


@pytest.mark.django_db
def test_a_wrong_old_password_changes_nothing(user):
    # when
    with pytest.raises(ValidationError) as refused:
        services.password_change(user=user, old_password="wrong", new_password="an0ther long one")

    # then
    assert refused.value.message_dict == {"old_password": [services.WRONG_PASSWORD]}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_the_password_change_page_keeps_this_session_and_ends_the_others(user, client):
    # given: the same user signed in twice
    from django.test import Client

    other = Client()
    other.force_login(user)
    client.force_login(user)
    new = "an0ther long passphrase"

    # when
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    # then
    assert response.status_code == 302
    assert client.get(reverse("profile")).status_code == 200
    assert other.get(reverse("profile")).status_code == 302  # to the sign-in page
    user.refresh_from_db()
    assert user.check_password(new)
