"""Membership changes act on open sockets at once, and signing out closes them."""

import asyncio
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts import services as accounts
from chat import actions, db, frames
from chat.loops import get_hub
from chat.tests.doubles import FakeSocket, eventually
from core import events
from groups import services as groups
from messaging.services import send_message


@pytest.fixture
def cast(make_user, make_group):
    owner, newcomer = make_user(), make_user()
    return SimpleNamespace(group=make_group(owner=owner), owner=owner, newcomer=newcomer)


async def test_added_member_gets_group_added_then_the_groups_messages(connect, cast):
    # given
    socket = await connect(cast.newcomer)
    await socket.ping()

    # when
    await db.run(groups.membership_add, actor=cast.owner, group=cast.group, user=cast.newcomer)
    added = await socket.receive()
    message, _ = await db.run(send_message, sender=cast.owner, group_id=cast.group.id, body="hi")

    # then
    assert added["type"] == "group.added"
    assert added["group"]["id"] == cast.group.id
    assert added["group"]["role"] == "member"
    new = await socket.receive()
    assert (new["type"], new["message"]["id"]) == ("message.new", message.id)


async def test_joined_group_can_be_typed_in_and_resumed(connect, cast, make_group):
    # given
    public = await db.run(make_group, owner=cast.owner, is_public=True)
    socket = await connect(cast.newcomer)
    await socket.ping()

    # when
    await db.run(groups.group_join, user=cast.newcomer, group=public)
    await socket.receive_until("group.added")
    await socket.send({"type": "resume", "groups": {str(public.id): 0}})

    # then
    assert await socket.receive() == {"type": "resume.done", "has_more": False}


@pytest.mark.parametrize("how", ["removed", "left", "deleted"])
async def test_removed_member_gets_group_removed_then_nothing_of_it(connect, cast, how):
    # given
    await db.run(groups.membership_add, actor=cast.owner, group=cast.group, user=cast.newcomer)
    group_id = cast.group.id
    socket = await connect(cast.newcomer)
    await socket.ping()

    # when
    if how == "removed":
        await db.run(
            groups.membership_remove, actor=cast.owner, group=cast.group, user=cast.newcomer
        )
    elif how == "left":
        await db.run(groups.group_leave, user=cast.newcomer, group=cast.group)
    else:
        await db.run(groups.group_delete, actor=cast.owner, group=cast.group)

    # then
    assert await socket.receive() == {"type": "group.removed", "group": group_id}
    if how != "deleted":
        await db.run(send_message, sender=cast.owner, group_id=group_id, body="after")
    await socket.send({"type": "typing", "group": group_id})
    assert (await socket.receive())["code"] == frames.NOT_A_MEMBER
    assert await socket.nothing()


async def test_revoking_the_token_closes_its_sockets_only(connect, cast):
    # given
    by_token = await connect(cast.owner)
    by_cookie = await connect(cast.owner, via="cookie")

    # when
    await db.run(accounts.token_revoke, user=cast.owner)

    # then
    assert await by_token.closed_with() == frames.CLOSE_UNAUTHENTICATED
    assert await by_cookie.ping() == []


def _signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def test_signing_out_closes_the_sockets_of_that_session_only(connect, cast):
    # given
    browser = await db.run(_signed_in_client, cast.owner)
    this_session = await connect(
        cast.owner, via="cookie", cookie=browser.cookies["sessionid"].value
    )
    other_session = await connect(cast.owner, via="cookie")

    # when
    await db.run(browser.post, reverse("logout"))

    # then
    assert await this_session.closed_with() == frames.CLOSE_UNAUTHENTICATED
    assert await other_session.ping() == []


async def test_credentials_revoked_without_keys_closes_every_socket_of_the_user(connect, cast):
    # given: what deactivating an account publishes
    sockets = [await connect(cast.owner), await connect(cast.owner, via="cookie")]
    bystander = await connect(cast.newcomer)

    # when
    await db.run(_revoke_all, user_id=cast.owner.id)

    # then
    for socket in sockets:
        assert await socket.closed_with() == frames.CLOSE_UNAUTHENTICATED
    assert await bystander.ping() == []


def _revoke_all(*, user_id: int) -> None:
    with transaction.atomic():
        events.credentials_revoked_on_commit(user_id=user_id)


async def test_revoked_token_cannot_connect_again(connect, cast):
    # given
    token = await db.run(lambda: Token.objects.get_or_create(user=cast.owner)[0].key)
    await db.run(accounts.token_revoke, user=cast.owner)

    # when
    communicator, answer = await connect(cast.owner, token=token, accepted=False)

    # then
    assert answer == (True, None)
    assert (await communicator.receive_output(5))["code"] == frames.CLOSE_UNAUTHENTICATED


# --- A socket that goes while a join is in flight ---------------------------------------------


@pytest.fixture
def slow_layer(hub, monkeypatch):
    """The channel layer subscribes the hub to the layer groups in `names` only once `release`
    is set; `entered` is set when the hub waits for it."""
    gate = SimpleNamespace(names=set(), entered=asyncio.Event(), release=asyncio.Event())
    group_add = hub.layer.group_add

    async def slow_group_add(name, channel):
        if name in gate.names:
            gate.entered.set()
            await gate.release.wait()
        await group_add(name, channel)

    monkeypatch.setattr(hub.layer, "group_add", slow_group_add)
    return gate


@pytest.mark.parametrize("how", ["disconnected", "removed"])
async def test_a_socket_gone_while_its_group_is_subscribed_is_not_kept(
    hub, slow_layer, monkeypatch, how
):
    # given: three sockets of a user, who joins group 3 (the hub subscribes them one by one,
    # in no set order: two go, so that at least one goes before its turn)
    monkeypatch.setattr(actions, "joined_group", lambda **_: ({"id": 3}, 0))
    slow_layer.names.add(events.group_channel(3))
    staying = await FakeSocket(user_id=7).connect(hub)
    going = [await FakeSocket(user_id=7).connect(hub) for _ in range(2)]
    hub.dispatch({"type": events.GROUP_ADDED, "group": 3, "user": 7})
    await slow_layer.entered.wait()

    # when: they go (or leave the group again) while the hub subscribes to it
    for socket in going:
        if how == "disconnected":
            socket.disconnect()
        else:
            socket.group_removed(3)
    slow_layer.release.set()
    await eventually(lambda: ("joined", 3, ({"id": 3}, 0)) in staying.received)

    # then: the hub feeds the group to the staying socket only
    assert hub.sockets[events.group_channel(3)] == {staying}


async def test_a_consumer_that_disconnects_while_its_group_is_subscribed_is_not_kept(
    connect, cast, slow_layer
):
    # given: three sockets of the newcomer, who is added to the group
    slow_layer.names.add(events.group_channel(cast.group.id))
    staying = await connect(cast.newcomer)
    going = [await connect(cast.newcomer) for _ in range(2)]
    await db.run(groups.membership_add, actor=cast.owner, group=cast.group, user=cast.newcomer)
    await slow_layer.entered.wait()

    # when: two of them disconnect while the hub subscribes to the group
    for socket in going:
        await socket.close()
    slow_layer.release.set()
    await staying.receive_until("group.added")

    # then
    hub = await get_hub()
    assert len(hub.sockets[events.group_channel(cast.group.id)]) == 1
