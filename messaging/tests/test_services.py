"""messaging.services: send, edit, delete, react, mark read. Each write's happy path, its
refusals, what it publishes after commit, and (on PostgreSQL) the order and idempotency
guarantees under concurrent senders."""

import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from groups.selectors import NOT_A_MEMBER, NOT_FOUND, get_membership
from messaging import services
from messaging.models import BODY_MAX_LENGTH, CLIENT_ID_MAX_LENGTH, Mention, Message, Reaction
from messaging.services import (
    BODY_REQUIRED,
    BODY_TOO_LONG,
    CLIENT_ID_INVALID,
    EMOJI_INVALID,
    MESSAGE_DELETED,
    NOT_ALLOWED,
    NUL_CHARACTER,
    ONLY_SENDER,
    UNKNOWN_MESSAGE,
)

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writer at a time: the race needs PostgreSQL's row locks",
)


class Rollback(Exception):
    """Raised inside a transaction to roll it back."""


def membership(cast, who: str):
    return get_membership(user=getattr(cast, who), group_id=cast.group.id)


def refused(exception: type[Exception], call, **kwargs) -> Exception:
    with pytest.raises(exception) as raised:
        call(**kwargs)
    return raised.value


# --- send_message -----------------------------------------------------------------------------


def test_send_message_stores_the_rendered_message_and_moves_the_group_on(
    make_cast, django_capture_on_commit_callbacks
):
    # given: the cast's group holds the sender's first message
    cast = make_cast()

    # when
    with django_capture_on_commit_callbacks() as published:
        message, created = services.send_message(
            sender=cast.member, group_id=cast.group.id, body="  **hi** there \n", client_id="c-1"
        )

    # then
    assert created
    assert (message.seq, message.body, message.client_id) == (2, "**hi** there", "c-1")
    assert message.html == "<p><strong>hi</strong> there</p>"
    cast.group.refresh_from_db()
    assert (cast.group.last_seq, cast.group.last_message) == (2, message)
    assert cast.group.last_activity_at == message.created_at
    assert len(published) == 1  # message.new


def test_send_message_again_with_a_client_id_returns_the_original(
    make_cast, django_capture_on_commit_callbacks
):
    # given
    cast = make_cast()
    original, _ = services.send_message(
        sender=cast.member, group_id=cast.group.id, body="once", client_id="retry-me"
    )

    # when
    with django_capture_on_commit_callbacks() as published:
        again, created = services.send_message(
            sender=cast.member, group_id=cast.group.id, body="twice?", client_id="retry-me"
        )

    # then
    assert (again, created) == (original, False)
    assert again.body == "once"
    assert Message.objects.filter(sender=cast.member).count() == 1
    assert published == []


def test_a_client_id_is_unique_per_sender_and_answers_only_in_its_own_group(make_cast, make_group):
    # given
    cast = make_cast()
    other_group = make_group(owner=cast.member)
    original, _ = services.send_message(
        sender=cast.member, group_id=cast.group.id, body="here", client_id="same"
    )

    # when: the same client_id in another group is no key to the message of the first
    with pytest.raises(Http404):
        services.send_message(
            sender=cast.member, group_id=other_group.id, body="there", client_id="same"
        )

    # then
    assert not other_group.messages.exists()
    assert services.send_message(
        sender=cast.member, group_id=cast.group.id, body="here", client_id="same"
    ) == (original, False)


def test_two_senders_may_use_the_same_client_id(make_cast):
    # given
    cast = make_cast()

    # when
    first, _ = services.send_message(
        sender=cast.member, group_id=cast.group.id, body="a", client_id="same"
    )
    second, created = services.send_message(
        sender=cast.admin, group_id=cast.group.id, body="b", client_id="same"
    )

    # then
    assert created
    assert first != second


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", BODY_REQUIRED),
        (" \n\t ", BODY_REQUIRED),
        (None, BODY_REQUIRED),
        (42, BODY_REQUIRED),
        (["hi"], BODY_REQUIRED),
        ("x" * (BODY_MAX_LENGTH + 1), BODY_TOO_LONG),
        ("nul\x00byte", NUL_CHARACTER),
    ],
)
def test_send_message_refuses_bad_bodies(make_cast, body, error):
    # given
    cast = make_cast()

    # when
    raised = refused(
        ValidationError,
        services.send_message,
        sender=cast.member,
        group_id=cast.group.id,
        body=body,
    )

    # then
    assert raised.message_dict == {"body": [error]}
    assert cast.group.messages.count() == 1


@pytest.mark.parametrize("client_id", ["", "x" * (CLIENT_ID_MAX_LENGTH + 1), 7, ["a"], "nul\x00"])
def test_send_message_refuses_bad_client_ids(make_cast, client_id):
    # given
    cast = make_cast()

    # when
    raised = refused(
        ValidationError,
        services.send_message,
        sender=cast.member,
        group_id=cast.group.id,
        body="hi",
        client_id=client_id,
    )

    # then
    assert raised.message_dict == {"client_id": [CLIENT_ID_INVALID]}


def test_send_message_takes_the_longest_body_and_client_id(make_cast):
    # given
    cast = make_cast()

    # when
    message, _ = services.send_message(
        sender=cast.member,
        group_id=cast.group.id,
        body=" " + "b" * BODY_MAX_LENGTH + " ",
        client_id="c" * CLIENT_ID_MAX_LENGTH,
    )

    # then
    assert (len(message.body), len(message.client_id)) == (BODY_MAX_LENGTH, CLIENT_ID_MAX_LENGTH)


def test_send_message_refuses_a_non_member_of_a_public_group(make_cast):
    # given
    cast = make_cast(is_public=True)

    # when
    raised = refused(
        PermissionDenied,
        services.send_message,
        sender=cast.outsider,
        group_id=cast.group.id,
        body="hi",
    )

    # then
    assert str(raised) == NOT_A_MEMBER


@pytest.mark.parametrize("group", ["private", "missing", "huge", "text"])
def test_send_message_answers_not_found_for_groups_the_sender_cannot_see(make_cast, group):
    # given
    cast = make_cast()
    group_id = {"private": cast.group.id, "missing": 10**6, "huge": 10**30, "text": "1"}[group]

    # when
    raised = refused(
        Http404, services.send_message, sender=cast.outsider, group_id=group_id, body="hi"
    )

    # then
    assert str(raised) == NOT_FOUND


def test_send_message_publishes_nothing_when_the_transaction_rolls_back(
    make_cast, django_capture_on_commit_callbacks
):
    # given
    cast = make_cast()

    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as published,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        services.send_message(sender=cast.member, group_id=cast.group.id, body="never")
        raise Rollback

    # then
    assert published == []
    cast.group.refresh_from_db()
    assert (cast.group.last_seq, cast.group.messages.count()) == (1, 1)


def _mentioned(message: Message) -> set[int]:
    return set(Mention.objects.filter(message=message).values_list("user_id", flat=True))


def test_send_message_stores_the_members_it_mentions(make_cast):
    # given
    cast = make_cast()
    body = f"@{cast.owner.username.upper()} and @{cast.outsider.username}, see `@{cast.admin}`"

    # when
    message, _ = services.send_message(sender=cast.member, group_id=cast.group.id, body=body)

    # then: a member named (any case) is a mention; a non-member, or a name in code, is not
    assert message.mentions == [cast.owner.id]
    assert message.mentions_all is False
    assert _mentioned(message) == {cast.owner.id}
    assert f'<span class="mention" data-user-id="{cast.owner.id}">' in message.html
    assert f"@{cast.outsider.username}" in message.html


def test_send_message_marks_at_all(make_cast):
    # given
    cast = make_cast()

    # when
    message, _ = services.send_message(
        sender=cast.member, group_id=cast.group.id, body="deploy at noon, @all."
    )

    # then
    assert message.mentions_all is True
    assert '<span class="mention" data-user-id="all">@all</span>.' in message.html


def test_a_message_without_a_mention_costs_no_query_for_mentions(make_cast):
    # given
    cast = make_cast()
    services.send_message(sender=cast.member, group_id=cast.group.id, body="warm up")
    with CaptureQueriesContext(connection) as plain:
        services.send_message(sender=cast.member, group_id=cast.group.id, body="plain words")

    # when
    with CaptureQueriesContext(connection) as mentioning:
        services.send_message(
            sender=cast.member, group_id=cast.group.id, body=f"hi @{cast.owner.username}"
        )

    # then: a plain message costs nothing for mentions; a mention its lookup and its row, and
    # the notification (a savepoint, which exist already, the insert, its reading back,
    # whether its user wants e-mail, and whether they have a browser subscribed for push)
    assert not any(
        "messaging_mention" in q["sql"] or "notifications_" in q["sql"]
        for q in plain.captured_queries
    )
    assert len(mentioning) == len(plain) + 2 + 7


def test_five_hundred_mentions_cost_one_lookup(make_cast):
    # given
    cast = make_cast()
    body = " ".join(f"@name{i}" for i in range(499)) + f" @{cast.owner.username}"

    # when
    with CaptureQueriesContext(connection) as queries:
        message, _ = services.send_message(sender=cast.member, group_id=cast.group.id, body=body)

    # then
    assert message.mentions == [cast.owner.id]
    assert sum("lower" in q["sql"].lower() for q in queries.captured_queries) == 1


def test_message_edit_adds_and_withdraws_mentions(make_cast):
    # given
    cast = make_cast()
    message, _ = services.send_message(
        sender=cast.member, group_id=cast.group.id, body=f"@{cast.owner.username}"
    )

    # when
    services.message_edit(
        actor=cast.member,
        membership=membership(cast, "member"),
        message=message,
        body=f"@{cast.admin.username} @all",
    )

    # then
    message.refresh_from_db()
    assert (message.mentions, message.mentions_all) == ([cast.admin.id], True)
    assert _mentioned(message) == {cast.admin.id}


def test_a_deleted_message_mentions_nobody(make_cast):
    # given
    cast = make_cast()
    message, _ = services.send_message(
        sender=cast.member, group_id=cast.group.id, body=f"@{cast.owner.username} @all"
    )

    # when
    services.message_delete(
        actor=cast.member, membership=membership(cast, "member"), message=message
    )

    # then
    message.refresh_from_db()
    assert (message.mentions, message.mentions_all, _mentioned(message)) == ([], False, set())


# --- message_edit -----------------------------------------------------------------------------


def test_message_edit_renders_the_new_body_and_marks_the_time(
    make_cast, django_capture_on_commit_callbacks
):
    # given
    cast = make_cast()

    # when
    with django_capture_on_commit_callbacks() as published:
        message = services.message_edit(
            actor=cast.sender,
            membership=membership(cast, "sender"),
            message=cast.message,
            body=" _better_ ",
        )

    # then
    message.refresh_from_db()
    assert (message.body, message.html) == ("_better_", "<p><em>better</em></p>")
    assert message.edited_at is not None
    assert len(published) == 1  # message.updated


@pytest.mark.parametrize("who", ["member", "admin", "owner"])
def test_message_edit_is_for_the_sender_only(make_cast, who):
    # given
    cast = make_cast()

    # when
    raised = refused(
        PermissionDenied,
        services.message_edit,
        actor=getattr(cast, who),
        membership=membership(cast, who),
        message=cast.message,
        body="mine now",
    )

    # then
    assert str(raised) == ONLY_SENDER
    cast.message.refresh_from_db()
    assert cast.message.body == "hello"


def test_message_edit_refuses_a_sender_who_left(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(
        PermissionDenied,
        services.message_edit,
        actor=cast.sender,
        membership=None,
        message=cast.message,
        body="after leaving",
    )

    # then
    assert str(raised) == NOT_A_MEMBER


@pytest.mark.parametrize(
    ("body", "error"), [(" ", BODY_REQUIRED), ("x" * (BODY_MAX_LENGTH + 1), BODY_TOO_LONG)]
)
def test_message_edit_refuses_bad_bodies(make_cast, body, error):
    # given
    cast = make_cast()

    # when
    raised = refused(
        ValidationError,
        services.message_edit,
        actor=cast.sender,
        membership=membership(cast, "sender"),
        message=cast.message,
        body=body,
    )

    # then
    assert raised.message_dict == {"body": [error]}


def test_message_edit_refuses_a_deleted_message(make_cast):
    # given
    cast = make_cast()
    sender = membership(cast, "sender")
    services.message_delete(actor=cast.sender, membership=sender, message=cast.message)

    # when
    raised = refused(
        ValidationError,
        services.message_edit,
        actor=cast.sender,
        membership=sender,
        message=cast.message,
        body="back",
    )

    # then
    assert raised.message_dict == {"body": [MESSAGE_DELETED]}


# --- message_delete ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sender", "admin", "owner"])
def test_message_delete_leaves_an_empty_tombstone(
    make_cast, who, django_capture_on_commit_callbacks
):
    # given
    cast = make_cast()
    services.reaction_add(
        actor=cast.member, membership=membership(cast, "member"), message=cast.message, emoji="👍"
    )

    # when
    with django_capture_on_commit_callbacks() as published:
        services.message_delete(
            actor=getattr(cast, who), membership=membership(cast, who), message=cast.message
        )

    # then
    cast.message.refresh_from_db()
    assert (cast.message.deleted, cast.message.body, cast.message.html) == (True, "", "")
    assert not Reaction.objects.filter(message=cast.message).exists()
    assert len(published) == 1  # message.updated


def test_message_delete_refuses_another_plain_member(make_cast):
    # given
    cast = make_cast()

    # when
    raised = refused(
        PermissionDenied,
        services.message_delete,
        actor=cast.member,
        membership=membership(cast, "member"),
        message=cast.message,
    )

    # then
    assert str(raised) == NOT_ALLOWED
    cast.message.refresh_from_db()
    assert not cast.message.deleted


def test_message_delete_refuses_a_non_member(make_cast):
    # when
    cast = make_cast(is_public=True)
    raised = refused(
        PermissionDenied,
        services.message_delete,
        actor=cast.outsider,
        membership=None,
        message=cast.message,
    )

    # then
    assert str(raised) == NOT_A_MEMBER


def test_message_delete_twice_publishes_once(make_cast, django_capture_on_commit_callbacks):
    # given
    cast = make_cast()
    sender = membership(cast, "sender")
    services.message_delete(actor=cast.sender, membership=sender, message=cast.message)

    # when
    with django_capture_on_commit_callbacks() as published:
        services.message_delete(actor=cast.sender, membership=sender, message=cast.message)

    # then
    assert published == []


# --- reactions --------------------------------------------------------------------------------


def test_reaction_add_adds_once(make_cast, django_capture_on_commit_callbacks):
    # given
    cast = make_cast()
    member = membership(cast, "member")

    # when
    with django_capture_on_commit_callbacks() as published:
        first = services.reaction_add(
            actor=cast.member, membership=member, message=cast.message, emoji="🎉"
        )
        second = services.reaction_add(
            actor=cast.member, membership=member, message=cast.message, emoji="🎉"
        )

    # then
    assert (first, second) == (True, False)
    assert list(cast.message.reactions.values_list("emoji", flat=True)) == ["🎉"]
    assert len(published) == 1  # message.updated, for the new reaction only


@pytest.mark.parametrize("emoji", ["", " ", "a b", "x/y", "\x07", "e" * 33, None, 5, "tab\there"])
def test_reaction_add_refuses_what_is_not_an_emoji(make_cast, emoji):
    # given
    cast = make_cast()

    # when
    raised = refused(
        ValidationError,
        services.reaction_add,
        actor=cast.member,
        membership=membership(cast, "member"),
        message=cast.message,
        emoji=emoji,
    )

    # then
    assert raised.message_dict == {"emoji": [EMOJI_INVALID]}


def test_reaction_add_refuses_a_deleted_message(make_cast):
    # given
    cast = make_cast()
    services.message_delete(
        actor=cast.sender, membership=membership(cast, "sender"), message=cast.message
    )

    # when
    raised = refused(
        ValidationError,
        services.reaction_add,
        actor=cast.member,
        membership=membership(cast, "member"),
        message=cast.message,
        emoji="👍",
    )

    # then
    assert raised.message_dict == {"emoji": [MESSAGE_DELETED]}


@pytest.mark.parametrize("call", [services.reaction_add, services.reaction_remove])
def test_reactions_are_for_members_only(make_cast, call):
    # given
    cast = make_cast(is_public=True)

    # when
    raised = refused(
        PermissionDenied,
        call,
        actor=cast.outsider,
        membership=None,
        message=cast.message,
        emoji="👍",
    )

    # then
    assert str(raised) == NOT_A_MEMBER


def test_reaction_remove_removes_the_callers_reaction_only(
    make_cast, django_capture_on_commit_callbacks
):
    # given
    cast = make_cast()
    for who in ("member", "admin"):
        services.reaction_add(
            actor=getattr(cast, who),
            membership=membership(cast, who),
            message=cast.message,
            emoji="👍",
        )

    # when
    with django_capture_on_commit_callbacks() as published:
        services.reaction_remove(
            actor=cast.member,
            membership=membership(cast, "member"),
            message=cast.message,
            emoji="👍",
        )

    # then
    assert list(cast.message.reactions.values_list("user", flat=True)) == [cast.admin.id]
    assert len(published) == 1


def test_reaction_remove_of_a_missing_reaction_publishes_nothing(
    make_cast, django_capture_on_commit_callbacks
):
    # given
    cast = make_cast()

    # when
    with django_capture_on_commit_callbacks() as published:
        services.reaction_remove(
            actor=cast.member,
            membership=membership(cast, "member"),
            message=cast.message,
            emoji="👍",
        )

    # then
    assert published == []


# --- mark_read --------------------------------------------------------------------------------


def test_mark_read_moves_the_marker_forward_never_back(make_cast, make_message):
    # given
    cast = make_cast()
    later = make_message(group=cast.group, sender=cast.sender, body="later")
    member = membership(cast, "member")

    # when
    services.mark_read(membership=member, message_id=later.id)
    services.mark_read(membership=member, message_id=cast.message.id)

    # then
    member.refresh_from_db()
    assert member.last_read_id == later.id


@pytest.mark.parametrize("message_id", ["other group", 10**6, 10**30, "7", True, None, 1.0])
def test_mark_read_refuses_messages_outside_the_group(
    make_cast, make_group, make_message, message_id
):
    # given
    cast = make_cast()
    elsewhere = make_message(group=make_group(owner=cast.member), sender=cast.member)
    message_id = elsewhere.id if message_id == "other group" else message_id

    # when
    raised = refused(
        ValidationError,
        services.mark_read,
        membership=membership(cast, "member"),
        message_id=message_id,
    )

    # then
    assert raised.message_dict == {"message_id": [UNKNOWN_MESSAGE]}


def test_mark_read_refuses_a_non_member(make_cast):
    # given
    cast = make_cast(is_public=True)

    # when
    raised = refused(
        PermissionDenied, services.mark_read, membership=None, message_id=cast.message.id
    )

    # then
    assert str(raised) == NOT_A_MEMBER


# --- Races (PostgreSQL) -----------------------------------------------------------------------

SENDERS = 6
MESSAGES_EACH = 8


@postgresql_only
def test_concurrent_senders_get_gapless_seqs_and_ids_in_commit_order(
    make_user, make_group, run_concurrently
):
    # given: six members about to send eight messages each, and a reader polling the group
    senders = [make_user() for _ in range(SENDERS)]
    group = make_group(owner=senders[0], members=senders[1:])
    total = SENDERS * MESSAGES_EACH

    def send_all(sender) -> list[int]:
        return [
            services.send_message(sender=sender, group_id=group.id, body=f"{n}")[0].id
            for n in range(MESSAGES_EACH)
        ]

    def read_until_done() -> list[str]:
        """What a client polling the group saw that breaks the contract: a message appearing
        with an id below one it had already seen."""
        seen, broken, deadline = set(), [], time.monotonic() + 60
        while len(seen) < total and time.monotonic() < deadline:
            ids = set(Message.objects.filter(group=group).values_list("id", flat=True))
            late = [i for i in ids - seen if seen and i < max(seen)]
            broken += [f"{i} appeared after {max(seen)}" for i in late]
            seen |= ids
        return broken

    # when
    *sent, broken = run_concurrently(*(lambda s=s: send_all(s) for s in senders), read_until_done)

    # then
    assert broken == []
    assert all(isinstance(ids, list) for ids in sent), sent
    seqs_by_id = list(group.messages.order_by("id").values_list("seq", flat=True))
    assert seqs_by_id == list(range(1, total + 1))
    group.refresh_from_db()
    assert group.last_seq == total
    assert group.last_message_id == max(i for ids in sent for i in ids)


@postgresql_only
def test_concurrent_retries_with_one_client_id_store_one_message(make_cast, run_concurrently):
    # given
    cast = make_cast()

    def retry():
        return services.send_message(
            sender=cast.member, group_id=cast.group.id, body="once", client_id="flaky-network"
        )

    # when
    outcomes = run_concurrently(*[retry] * 6)

    # then
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    assert len({message.id for message, _ in outcomes}) == 1
    assert sum(created for _, created in outcomes) == 1
    assert Message.objects.filter(client_id="flaky-network").count() == 1
    cast.group.refresh_from_db()
    assert cast.group.last_seq == 2  # the cast's message, then this one: no gap left behind


@pytest.mark.parametrize(("sender", "everyone"), [("member", False), ("admin", True)])
def test_a_group_restricted_to_admins_takes_at_all_from_admins_only(make_cast, sender, everyone):
    # given
    cast = make_cast()
    cast.group.mention_all_by = "admins"
    cast.group.save(update_fields=["mention_all_by"])

    # when
    message, _ = services.send_message(
        sender=getattr(cast, sender), group_id=cast.group.id, body="@all, lunch"
    )

    # then
    assert message.mentions_all is everyone
    assert ('data-user-id="all"' in message.html) is everyone
