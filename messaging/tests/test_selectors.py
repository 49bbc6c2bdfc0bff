"""messaging.selectors: one message for a viewer (the same 404 whether missing or hidden), and
history pages by keyset."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from groups.models import Membership
from groups.selectors import NOT_FOUND
from messaging import services
from messaging.payloads import message_payloads
from messaging.seeding import load_messages
from messaging.selectors import (
    BOTH_CURSORS,
    HISTORY_DEFAULT_LIMIT,
    get_message_for_viewer,
    history_page,
    history_payloads,
)

pytestmark = pytest.mark.django_db


# --- get_message_for_viewer -------------------------------------------------------------------


@pytest.mark.parametrize("is_public", [False, True])
def test_a_member_gets_the_message_and_their_membership(make_cast, is_public):
    # given
    cast = make_cast(is_public=is_public)

    # when
    message, membership = get_message_for_viewer(user=cast.member, message_id=cast.message.id)

    # then
    assert message == cast.message
    assert (membership.user, membership.group) == (cast.member, cast.group)


def test_a_non_member_gets_a_message_of_a_public_group_without_membership(make_cast):
    # given
    cast = make_cast(is_public=True)

    # when
    message, membership = get_message_for_viewer(user=cast.outsider, message_id=cast.message.id)

    # then
    assert (message, membership) == (cast.message, None)


@pytest.mark.parametrize("message_id", ["hidden", 10**6, 10**30, 0, -1, "1", None, True])
def test_a_hidden_message_is_not_found_like_a_missing_one(make_cast, message_id):
    # given: a private group's message, seen from outside
    cast = make_cast()
    message_id = cast.message.id if message_id == "hidden" else message_id

    # when
    with pytest.raises(Http404) as raised:
        get_message_for_viewer(user=cast.outsider, message_id=message_id)

    # then
    assert str(raised.value) == NOT_FOUND


def test_a_message_comes_with_its_sender_and_group_in_one_query(
    make_cast, django_assert_num_queries
):
    # given
    cast = make_cast()

    # when / then: the message, then the viewer's membership
    with django_assert_num_queries(2):
        message, _ = get_message_for_viewer(user=cast.member, message_id=cast.message.id)
        assert (message.sender.username, message.group.name) == (cast.sender.username, "Team")


# --- history_page -----------------------------------------------------------------------------


@pytest.fixture
def history(make_group, make_user):
    """A group holding 30 messages; their ids, ascending."""
    group = make_group(owner=make_user())
    load_messages(group=group, total=30)
    return group, list(group.messages.order_by("id").values_list("id", flat=True))


def ids(page) -> list[int]:
    return [message.id for message in page]


def test_history_without_a_cursor_is_the_newest_page_ascending(history):
    # given
    group, all_ids = history

    # when
    page, has_more = history_page(group=group, limit=10)

    # then
    assert (ids(page), has_more) == (all_ids[-10:], True)


def test_history_before_a_message_is_the_newest_page_below_it(history):
    # given
    group, all_ids = history

    # when
    page, has_more = history_page(group=group, before=all_ids[15], limit=10)

    # then
    assert (ids(page), has_more) == (all_ids[5:15], True)


def test_history_after_a_message_is_the_oldest_page_above_it(history):
    # given
    group, all_ids = history

    # when
    page, has_more = history_page(group=group, after=all_ids[5], limit=10)

    # then
    assert (ids(page), has_more) == (all_ids[6:16], True)


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [({"before": "third"}, slice(0, 2)), ({"after": "third from last"}, slice(-2, None))],
)
def test_history_says_when_nothing_lies_beyond_the_page(history, cursor, expected):
    # given
    group, all_ids = history
    position = {"third": 2, "third from last": -3}
    cursor = {name: all_ids[position[where]] for name, where in cursor.items()}

    # when
    page, has_more = history_page(group=group, limit=10, **cursor)

    # then
    assert (ids(page), has_more) == (all_ids[expected], False)


def test_history_of_a_whole_group_has_nothing_more(history):
    # given
    group, all_ids = history

    # when
    page, has_more = history_page(group=group, limit=30)

    # then
    assert (ids(page), has_more) == (all_ids, False)


def test_history_defaults_to_fifty_messages(make_group, make_user):
    # given
    group = make_group(owner=make_user())
    load_messages(group=group, total=HISTORY_DEFAULT_LIMIT + 1)

    # when
    page, has_more = history_page(group=group)

    # then
    assert (len(page), has_more) == (HISTORY_DEFAULT_LIMIT, True)


def test_history_keeps_to_its_group(history, make_group, make_message):
    # given
    group, all_ids = history
    other = make_group(owner=group.created_by)
    make_message(group=other, sender=group.created_by, body="elsewhere")

    # when
    page, _ = history_page(group=group, after=0, limit=100)

    # then
    assert ids(page) == all_ids


def test_history_refuses_both_cursors(history):
    # given
    group, all_ids = history

    # when
    with pytest.raises(ValidationError) as raised:
        history_page(group=group, before=all_ids[-1], after=all_ids[0])

    # then
    assert raised.value.message_dict == {"detail": [BOTH_CURSORS]}


@pytest.mark.parametrize("size", [1, 30])
def test_a_history_page_costs_one_query_with_its_senders(history, size, django_assert_num_queries):
    # given
    group, _ = history

    # when / then
    with django_assert_num_queries(1):
        page, _ = history_page(group=group, limit=size)
        assert len({message.sender.username for message in page}) >= 1


@pytest.mark.parametrize("cursor", [{}, {"before": 20}, {"after": 5}])
def test_history_payloads_read_as_rows_equal_the_payloads_of_the_models(history, cursor):
    # given: reactions on two messages, an edited one and a tombstone
    group, all_ids = history
    owner = group.created_by
    membership = Membership.objects.get(group=group, user=owner)
    messages = {m.id: m for m in group.messages.filter(id__in=all_ids[-12:])}
    for message_id, emoji in [(all_ids[-1], "👍"), (all_ids[-1], "🎉"), (all_ids[-4], "👍")]:
        services.reaction_add(
            actor=owner, membership=membership, message=messages[message_id], emoji=emoji
        )
    services.message_tombstone(message=messages[all_ids[-2]])
    cursor = {name: all_ids[index] for name, index in cursor.items()}

    # when
    payloads, has_more = history_payloads(group=group, limit=10, **cursor)

    # then
    page, expected_more = history_page(group=group, limit=10, **cursor)
    assert (payloads, has_more) == (message_payloads(page), expected_more)
