"""core.events as the services use it: what each write publishes, on which channel-layer group,
after commit, and that every event survives the configured layer (in memory, or msgpack through
Redis) and a JSON round trip. Nothing is published for a write that rolls back or is refused.

The services run in a worker thread, as the front doors run them; the test listens on the real
channel layer from the event loop."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction

from core import events
from groups import services as group_services
from groups.selectors import get_membership
from messaging import services as message_services
from messaging.models import Message

TIMEOUT = 5


class Rollback(Exception):
    """Raised inside a transaction to roll it back."""


class Listener:
    def __init__(self, layer, channel: str) -> None:
        self.layer, self.channel = layer, channel

    async def next(self) -> dict:
        """The next event, checked JSON-safe."""
        event = await asyncio.wait_for(self.layer.receive(self.channel), TIMEOUT)
        return events.assert_json_safe(event)


@pytest.fixture
async def listen(transactional_db):
    """`await listen("group.3", "user.5")`: a channel on the real layer, in those groups."""
    layer = get_channel_layer()

    async def subscribe(*groups: str) -> Listener:
        channel = await layer.new_channel()
        for group in groups:
            await layer.group_add(group, channel)
        return Listener(layer, channel)

    yield subscribe
    await layer.flush()


async def run(function, /, **kwargs):
    """Call a sync function in a worker thread, closing that thread's connection after."""

    def call():
        try:
            return function(**kwargs)
        finally:
            connection.close()

    return await sync_to_async(call)()


def member(user, group):
    return get_membership(user=user, group_id=group.id)


def edit(*, cast, body):
    return message_services.message_edit(
        actor=cast.sender,
        membership=member(cast.sender, cast.group),
        message=cast.message,
        body=body,
    )


def delete(*, cast):
    return message_services.message_delete(
        actor=cast.owner, membership=member(cast.owner, cast.group), message=cast.message
    )


def react(*, cast, user, emoji, add=True):
    action = message_services.reaction_add if add else message_services.reaction_remove
    return action(
        actor=user, membership=member(user, cast.group), message=cast.message, emoji=emoji
    )


@pytest.fixture
def cast(make_cast):
    return make_cast(is_public=True)


# --- Messages ---------------------------------------------------------------------------------


async def test_a_sent_message_is_published_to_its_group(listen, cast):
    # given
    group = await listen(events.group_channel(cast.group.id))

    # when
    message, _ = await run(
        message_services.send_message,
        sender=cast.member,
        group_id=cast.group.id,
        body="**hi**",
        client_id="c-9",
    )

    # then
    event = await group.next()
    assert event["type"] == events.MESSAGE_NEW
    assert event["message"] | {"created_at": None} == {
        "id": message.id,
        "group": cast.group.id,
        "seq": 2,
        "sender": {
            "id": cast.member.id,
            "username": cast.member.username,
            "display_name": cast.member.display_name,
        },
        "body": "**hi**",
        "html": "<p><strong>hi</strong></p>",
        "created_at": None,
        "edited_at": None,
        "deleted": False,
        "client_id": "c-9",
        "reactions": [],
        "mentions": [],
        "mentions_all": False,
        "attachments": [],
    }
    assert event["message"]["created_at"].endswith("Z")


async def test_an_edit_is_published_with_the_new_body(listen, cast):
    # given
    group = await listen(events.group_channel(cast.group.id))

    # when
    await run(edit, cast=cast, body="_changed_")

    # then
    event = await group.next()
    assert event["type"] == events.MESSAGE_UPDATED
    assert (event["message"]["id"], event["message"]["html"]) == (
        cast.message.id,
        "<p><em>changed</em></p>",
    )
    assert event["message"]["edited_at"].endswith("Z")


async def test_a_delete_is_published_as_an_empty_tombstone(listen, cast):
    # given
    group = await listen(events.group_channel(cast.group.id))

    # when
    await run(delete, cast=cast)

    # then
    event = await group.next()
    assert event["type"] == events.MESSAGE_UPDATED
    assert {k: event["message"][k] for k in ("id", "deleted", "body", "html")} == {
        "id": cast.message.id,
        "deleted": True,
        "body": "",
        "html": "",
    }


async def test_reactions_are_published_with_who_reacted(listen, cast):
    # given
    group = await listen(events.group_channel(cast.group.id))

    # when
    await run(react, cast=cast, user=cast.member, emoji="🎉")
    added = await group.next()
    await run(react, cast=cast, user=cast.member, emoji="🎉", add=False)
    removed = await group.next()

    # then
    assert added["type"] == removed["type"] == events.MESSAGE_UPDATED
    assert added["message"]["reactions"] == [{"emoji": "🎉", "count": 1, "users": [cast.member.id]}]
    assert removed["message"]["reactions"] == []


# --- Memberships ------------------------------------------------------------------------------


async def test_a_new_group_is_announced_to_its_creator(listen, cast):
    # given
    creator = await listen(events.user_channel(cast.outsider.id))

    # when
    group = await run(group_services.group_create, creator=cast.outsider, name="Mine")

    # then
    event = await creator.next()
    assert event == {"type": events.GROUP_ADDED, "group": group.id, "user": cast.outsider.id}


async def test_joining_and_being_added_are_announced_to_the_new_member(listen, cast):
    # given
    joiner = await listen(events.user_channel(cast.outsider.id))
    added = await listen(events.user_channel(cast.candidate.id))

    # when
    await run(group_services.group_join, user=cast.outsider, group=cast.group)
    await run(
        group_services.membership_add, actor=cast.admin, group=cast.group, user=cast.candidate
    )

    # then
    for listener, user in ((joiner, cast.outsider), (added, cast.candidate)):
        event = await listener.next()
        assert event == {"type": events.GROUP_ADDED, "group": cast.group.id, "user": user.id}


async def test_leaving_and_being_removed_are_announced_to_the_former_member(listen, cast):
    # given
    leaver = await listen(events.user_channel(cast.member.id))
    removed = await listen(events.user_channel(cast.sender.id))

    # when
    await run(group_services.group_leave, user=cast.member, group=cast.group)
    await run(
        group_services.membership_remove, actor=cast.owner, group=cast.group, user=cast.sender
    )

    # then
    for listener, user in ((leaver, cast.member), (removed, cast.sender)):
        event = await listener.next()
        assert event == {"type": events.GROUP_REMOVED, "group": cast.group.id, "user": user.id}


async def test_a_deleted_group_is_announced_to_every_member(listen, cast):
    # given
    members = [cast.owner, cast.admin, cast.member, cast.sender]
    listeners = [await listen(events.user_channel(user.id)) for user in members]
    group_id = cast.group.id

    # when
    await run(group_services.group_delete, actor=cast.owner, group=cast.group)

    # then
    for listener, user in zip(listeners, members, strict=True):
        event = await listener.next()
        assert event == {"type": events.GROUP_REMOVED, "group": group_id, "user": user.id}


async def test_a_direct_conversation_is_announced_to_both(listen, cast):
    # given
    first = await listen(events.user_channel(cast.outsider.id))
    second = await listen(events.user_channel(cast.candidate.id))

    # when
    direct, _ = await run(
        group_services.direct_get_or_create, user=cast.outsider, other=cast.candidate
    )

    # then
    for listener, user in ((first, cast.outsider), (second, cast.candidate)):
        event = await listener.next()
        assert event == {"type": events.GROUP_ADDED, "group": direct.id, "user": user.id}


# --- Nothing without a commit -----------------------------------------------------------------


def send_then_roll_back(*, cast):
    with transaction.atomic():
        message_services.send_message(sender=cast.member, group_id=cast.group.id, body="never")
        raise Rollback


async def test_nothing_is_published_when_the_transaction_rolls_back(listen, cast):
    # given
    group = await listen(events.group_channel(cast.group.id))

    # when
    with pytest.raises(Rollback):
        await run(send_then_roll_back, cast=cast)
    message, _ = await run(
        message_services.send_message, sender=cast.member, group_id=cast.group.id, body="kept"
    )

    # then: the first event is the committed message's; the rolled-back one never went out
    event = await group.next()
    assert (event["message"]["id"], event["message"]["body"]) == (message.id, "kept")
    assert not await sync_to_async(Message.objects.filter(body="never").exists)()


def delete_as_a_plain_member(*, cast):
    return message_services.message_delete(
        actor=cast.member, membership=member(cast.member, cast.group), message=cast.message
    )


async def test_nothing_is_published_for_a_refused_write(listen, cast):
    # given
    group = await listen(events.group_channel(cast.group.id))

    # when
    with pytest.raises(PermissionDenied):
        await run(delete_as_a_plain_member, cast=cast)
    await run(edit, cast=cast, body="edited")

    # then: the first event is the edit; the refused delete published nothing
    event = await group.next()
    assert (event["message"]["body"], event["message"]["deleted"]) == ("edited", False)
