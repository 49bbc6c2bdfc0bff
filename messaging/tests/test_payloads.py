"""messaging.payloads beyond the shape the endpoints answer (test_api_messages.py): reactions
carried with the ids of who reacted, in first-use order, and turned into each viewer's
`{emoji, count, me}` without touching the shared payload; timestamps in UTC with a Z; what
each batch costs in queries."""

import datetime

import pytest

from groups.models import Membership
from messaging.models import Message
from messaging.payloads import (
    for_viewer,
    message_payload,
    message_payload_fresh,
    message_payloads,
    payloads_of,
    reactions_by_message,
)
from messaging.services import message_edit, reaction_add, reaction_remove

pytestmark = pytest.mark.django_db


def react(user, message, emoji: str) -> None:
    membership = Membership.objects.get(user=user, group_id=message.group_id)
    reaction_add(actor=user, membership=membership, message=message, emoji=emoji)


def with_sender(message: Message) -> Message:
    return Message.objects.select_related("sender").get(pk=message.pk)


# --- reactions_by_message ---------------------------------------------------------------------


def test_reactions_are_grouped_by_emoji_in_first_use_order_with_who_reacted(make_cast):
    # given
    cast = make_cast()
    react(cast.member, cast.message, "🎉")
    react(cast.admin, cast.message, "👍")
    react(cast.owner, cast.message, "🎉")

    # when
    reactions = reactions_by_message([cast.message.id])

    # then
    assert reactions == {
        cast.message.id: [
            {"emoji": "🎉", "count": 2, "users": [cast.member.id, cast.owner.id]},
            {"emoji": "👍", "count": 1, "users": [cast.admin.id]},
        ]
    }


def test_messages_without_reactions_are_left_out_at_the_cost_of_one_query(
    make_cast, make_message, django_assert_num_queries
):
    # given
    cast = make_cast()
    quiet = make_message(group=cast.group, sender=cast.sender)
    react(cast.member, cast.message, "👍")

    # when / then
    with django_assert_num_queries(1):
        reactions = reactions_by_message([cast.message.id, quiet.id])
    assert list(reactions) == [cast.message.id]


# --- for_viewer -------------------------------------------------------------------------------


def test_each_viewer_sees_whether_they_reacted(make_cast):
    # given
    cast = make_cast()
    react(cast.member, cast.message, "👍")
    shared = message_payload_fresh(with_sender(cast.message))

    # when
    seen = {
        "member": for_viewer(shared, cast.member.id)["reactions"],
        "admin": for_viewer(shared, cast.admin.id)["reactions"],
        "nobody": for_viewer(shared, None)["reactions"],
    }

    # then
    assert seen == {
        "member": [{"emoji": "👍", "count": 1, "me": True}],
        "admin": [{"emoji": "👍", "count": 1, "me": False}],
        "nobody": [{"emoji": "👍", "count": 1, "me": False}],
    }


def test_the_shared_payload_keeps_the_ids_of_who_reacted(make_cast):
    # given: one payload, as one event carries it to every recipient
    cast = make_cast()
    react(cast.member, cast.message, "👍")
    shared = message_payload_fresh(with_sender(cast.message))

    # when
    for_viewer(shared, cast.member.id)

    # then
    assert shared["reactions"] == [{"emoji": "👍", "count": 1, "users": [cast.member.id]}]


def test_a_payload_without_reactions_is_the_same_for_every_viewer(make_cast):
    # given
    cast = make_cast()
    shared = message_payload(with_sender(cast.message))

    # when
    seen = for_viewer(shared, cast.member.id)

    # then
    assert seen is shared
    assert seen["reactions"] == []


# --- One message ------------------------------------------------------------------------------


def test_timestamps_are_utc_with_a_z_and_edited_at_is_set_by_an_edit(make_cast):
    # given
    cast = make_cast()
    membership = Membership.objects.get(user=cast.sender, group=cast.group)

    # when
    before = message_payload(with_sender(cast.message))
    message_edit(actor=cast.sender, membership=membership, message=cast.message, body="again")
    after = message_payload(with_sender(cast.message))

    # then
    assert before["created_at"].endswith("Z")
    assert before["edited_at"] is None
    assert after["edited_at"].endswith("Z")
    created = datetime.datetime.fromisoformat(before["created_at"].replace("Z", "+00:00"))
    assert created == cast.message.created_at


def test_a_fresh_payload_has_the_reactions_of_now(make_cast):
    # given
    cast = make_cast()
    membership = Membership.objects.get(user=cast.member, group=cast.group)
    react(cast.member, cast.message, "👍")
    react(cast.admin, cast.message, "🎉")

    # when
    reaction_remove(actor=cast.member, membership=membership, message=cast.message, emoji="👍")
    payload = message_payload_fresh(with_sender(cast.message))

    # then
    assert payload["reactions"] == [{"emoji": "🎉", "count": 1, "users": [cast.admin.id]}]


# --- Batches ----------------------------------------------------------------------------------


def test_no_messages_cost_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert message_payloads([]) == []


@pytest.mark.parametrize("count", [1, 30])
def test_a_batch_of_messages_costs_one_query_for_its_reactions_and_one_for_its_attachments(
    make_cast, make_message, django_assert_num_queries, count
):
    # given
    cast = make_cast()
    for _ in range(count - 1):
        react(cast.member, make_message(group=cast.group, sender=cast.sender), "👍")
    messages = list(Message.objects.filter(group=cast.group).select_related("sender"))

    # when / then
    with django_assert_num_queries(2):
        payloads = message_payloads(messages)
    assert [p["id"] for p in payloads] == [m.id for m in messages]


def test_rows_and_models_make_the_same_payloads(make_cast, make_message):
    # given: a reacted message, an edited one and a quiet one
    cast = make_cast()
    react(cast.member, cast.message, "👍")
    edited = make_message(group=cast.group, sender=cast.sender, body="first")
    membership = Membership.objects.get(user=cast.sender, group=cast.group)
    message_edit(actor=cast.sender, membership=membership, message=edited, body="*second*")
    make_message(group=cast.group, sender=cast.sender)
    messages = Message.objects.filter(group=cast.group).order_by("id")

    # when
    from_rows = payloads_of(messages)
    from_models = message_payloads(messages.select_related("sender"))

    # then
    assert from_rows == from_models
    assert [p["reactions"] != [] for p in from_rows] == [True, False, False]
