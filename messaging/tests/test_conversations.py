"""messaging.conversations: the contract's `group` for one viewer, built from the models (role,
member count, unread count, last message, the title to show), in the order given, batch-loaded
at a fixed number of queries. (The same payload over HTTP: test_api_groups.py; on home:
test_views.py.)"""

import pytest

from groups import services as group_services
from groups.models import Group, Membership
from messaging.conversations import group_payload, group_payloads
from messaging.services import mark_read, reaction_add

pytestmark = pytest.mark.django_db

GROUP_FIELDS = {
    "id",
    "name",
    "title",
    "description",
    "kind",
    "is_public",
    "mention_all_by",
    "role",
    "muted",
    "member_count",
    "unread_count",
    "mention_count",
    "last_message",
}


def fresh(group: Group) -> Group:
    """The group as the database has it now: sending moved its last message on in the row, not
    in the instance the test holds (the payload reads the models as it is given them)."""
    return Group.objects.get(pk=group.pk)


def react(user, message, emoji: str) -> None:
    membership = Membership.objects.get(user=user, group_id=message.group_id)
    reaction_add(actor=user, membership=membership, message=message, emoji=emoji)


# --- The payload ------------------------------------------------------------------------------


def test_a_member_sees_the_group_with_their_role_unread_count_and_last_message(make_cast):
    # given: the cast's one message, from `sender`
    cast = make_cast()

    # when
    payload = group_payload(user=cast.member, group=fresh(cast.group))

    # then
    assert set(payload) == GROUP_FIELDS
    assert payload | {"id": None, "last_message": None} == {
        "id": None,
        "name": "Team",
        "title": "Team",
        "description": "",
        "kind": "group",
        "is_public": False,
        "mention_all_by": "members",
        "role": "member",
        "muted": False,
        "member_count": 4,
        "unread_count": 1,
        "mention_count": 0,
        "last_message": None,
    }
    assert payload["id"] == cast.group.id
    assert payload["last_message"]["id"] == cast.message.id


def test_a_non_member_sees_a_public_group_with_no_role_and_nothing_unread(make_cast):
    # given
    cast = make_cast(is_public=True)

    # when
    payload = group_payload(user=cast.outsider, group=fresh(cast.group))

    # then
    assert (payload["role"], payload["unread_count"]) == (None, 0)
    assert (payload["member_count"], payload["last_message"]["id"]) == (4, cast.message.id)


def test_a_group_without_messages_has_no_last_message(make_user, make_group):
    # given
    alice = make_user()
    group = make_group(owner=alice)

    # when
    payload = group_payload(user=alice, group=group)

    # then
    assert (payload["last_message"], payload["unread_count"], payload["role"]) == (
        None,
        0,
        "owner",
    )


def test_the_mention_count_counts_unread_messages_naming_the_viewer_or_all(make_cast, make_message):
    # given: for `member`: one naming them, one @all, one naming someone else; one read already
    cast = make_cast()
    read = make_message(group=cast.group, sender=cast.sender, body=f"@{cast.member.username}")
    mark_read(
        membership=Membership.objects.get(user=cast.member, group=cast.group), message_id=read.id
    )
    make_message(group=cast.group, sender=cast.sender, body=f"hey @{cast.member.username}")
    make_message(group=cast.group, sender=cast.sender, body="@all standup")
    make_message(group=cast.group, sender=cast.sender, body=f"@{cast.admin.username}")
    make_message(group=cast.group, sender=cast.member, body="@all my own")

    # when
    counts = {
        who: group_payload(user=getattr(cast, who), group=fresh(cast.group))["mention_count"]
        for who in ("member", "admin", "sender")
    }

    # then
    assert counts == {"member": 2, "admin": 3, "sender": 1}


def test_in_a_direct_conversation_every_unread_message_counts_as_a_mention(make_user, make_message):
    # given
    alice, bob = make_user(), make_user()
    direct, _ = group_services.direct_get_or_create(user=alice, other=bob)
    make_message(group=direct, sender=bob, body="ping")
    make_message(group=direct, sender=bob, body="ping again")

    # when
    payload = group_payload(user=alice, group=fresh(direct))

    # then
    assert (payload["unread_count"], payload["mention_count"]) == (2, 2)


def test_the_unread_count_is_each_viewers_own(make_cast, make_message):
    # given: two more messages from `sender`; `member` has read up to the first of them
    cast = make_cast()
    first = make_message(group=cast.group, sender=cast.sender)
    make_message(group=cast.group, sender=cast.sender)
    mark_read(
        membership=Membership.objects.get(user=cast.member, group=cast.group), message_id=first.id
    )

    # when
    unread = {
        who: group_payload(user=getattr(cast, who), group=fresh(cast.group))["unread_count"]
        for who in ("member", "admin", "sender")
    }

    # then: the sender's own messages are never unread to them
    assert unread == {"member": 1, "admin": 3, "sender": 0}


def test_the_last_message_shows_each_viewer_their_own_reactions(make_cast):
    # given
    cast = make_cast()
    react(cast.member, cast.message, "👍")

    # when
    seen_by_member = group_payload(user=cast.member, group=fresh(cast.group))["last_message"]
    seen_by_admin = group_payload(user=cast.admin, group=fresh(cast.group))["last_message"]

    # then
    assert seen_by_member["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    assert seen_by_admin["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]


# --- Titles -----------------------------------------------------------------------------------


def test_a_direct_conversation_is_titled_with_the_other_persons_name(make_user):
    # given
    alice = make_user("alice", display_name="Alice A.")
    bob = make_user("bob", display_name="")
    direct, _ = group_services.direct_get_or_create(user=alice, other=bob)

    # when
    seen_by_alice = group_payload(user=alice, group=direct)
    seen_by_bob = group_payload(user=bob, group=direct)

    # then: the display name, or the username when there is none
    assert (seen_by_alice["title"], seen_by_bob["title"]) == ("bob", "Alice A.")
    assert seen_by_alice["name"] == seen_by_bob["name"] == direct.name
    assert (seen_by_alice["kind"], seen_by_alice["member_count"]) == ("direct", 2)


def test_notes_to_self_are_titled_with_the_users_own_name(make_user):
    # given
    alice = make_user("alice", display_name="Alice A.")
    notes, _ = group_services.direct_get_or_create(user=alice, other=alice)

    # when
    payload = group_payload(user=alice, group=notes)

    # then
    assert (payload["title"], payload["member_count"]) == ("Alice A.", 1)


# --- Many groups ------------------------------------------------------------------------------


def test_no_groups_cost_no_query(make_user, django_assert_num_queries):
    # given
    alice = make_user()

    # when / then
    with django_assert_num_queries(0):
        assert group_payloads(user=alice, groups=[]) == []


def test_the_payloads_keep_the_order_they_were_given(make_user, make_group):
    # given
    alice = make_user()
    groups = [make_group(owner=alice, name=name) for name in ("b", "c", "a")]

    # when
    payloads = group_payloads(user=alice, groups=reversed(groups))

    # then
    assert [payload["name"] for payload in payloads] == ["a", "c", "b"]


@pytest.mark.parametrize("group_count", [1, 40])
def test_many_groups_cost_as_many_queries_as_one(
    make_user, make_group, make_message, django_assert_num_queries, group_count
):
    # given: named groups with a reacted message each, and a direct conversation with a message
    alice, bob = make_user(), make_user()
    groups = []
    for _ in range(group_count):
        group = make_group(owner=alice, members=[bob])
        react(bob, make_message(group=group, sender=bob), "🎉")
        groups.append(group)
    direct, _ = group_services.direct_get_or_create(user=alice, other=bob)
    make_message(group=direct, sender=bob)
    groups = [fresh(group) for group in [*groups, direct]]

    # when / then: memberships, member counts, unread counts, last messages with their senders,
    # their reactions and attachments, the direct conversations' people
    with django_assert_num_queries(7):
        payloads = group_payloads(user=alice, groups=groups)
    assert [p["unread_count"] for p in payloads] == [1] * (group_count + 1)


def test_what_is_not_needed_is_not_read(make_user, make_group, django_assert_num_queries):
    # given: public groups the viewer is not in, without messages or direct conversations
    alice = make_user()
    groups = [make_group(is_public=True) for _ in range(3)]

    # when / then: the viewer's memberships (none) and the member counts; no unread counts,
    # last messages or direct peers to read
    with django_assert_num_queries(2):
        payloads = group_payloads(user=alice, groups=groups)
    assert [(p["role"], p["member_count"]) for p in payloads] == [(None, 1)] * 3
