"""Writes on messages: send, edit, delete, react, mark read. One flow for every front door:
the form POST, the REST API and the websocket `message.send` all call `send_message`.

Guarantees (contract):
- `seq` is gapless per group and ids grow in commit order within a group: the send locks the
  group row, so two sends to one group commit one after the other;
- a repeated `client_id` from the same sender returns the original message, also when two
  retries race (the unique constraint decides, the loser finds the winner's message);
- events are published after commit, built once.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest, Lower
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from attachments import services as attachment_services
from attachments.payloads import attachment_payload
from core import events
from core.ids import is_valid_id
from groups.models import Group, Membership
from groups.permissions import can_moderate_message
from groups.selectors import NOT_A_MEMBER, NOT_FOUND, refuse_non_member

from .models import (
    BODY_MAX_LENGTH,
    CLIENT_ID_MAX_LENGTH,
    EMOJI_MAX_LENGTH,
    Mention,
    Message,
    Reaction,
)
from .payloads import message_payload, message_payload_fresh
from .rendering import MemberLookup, Rendered, render_message
from .signals import message_stored, read_up_to

BODY_REQUIRED = "A message cannot be empty."
BODY_TOO_LONG = f"A message has at most {BODY_MAX_LENGTH:,} characters."
NUL_CHARACTER = "Null characters are not allowed."  # PostgreSQL text cannot hold them
CLIENT_ID_INVALID = f"client_id is a string of 1 to {CLIENT_ID_MAX_LENGTH} characters."
EMOJI_INVALID = f"An emoji is 1 to {EMOJI_MAX_LENGTH} characters without spaces or slashes."
ONLY_SENDER = "Only the sender can do that."
NOT_ALLOWED = "Your role in this group does not allow that."
MESSAGE_DELETED = "That message was deleted."
UNKNOWN_MESSAGE = "That message is not in this group."


def clean_body(body: object, *, may_be_empty: bool = False) -> str:
    """The body, stripped; empty only where allowed (a message of attachments)."""
    if body is None and may_be_empty:
        body = ""
    if not isinstance(body, str):
        raise ValidationError({"body": BODY_REQUIRED})
    body = body.strip()
    if not body and not may_be_empty:
        raise ValidationError({"body": BODY_REQUIRED})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError({"body": BODY_TOO_LONG})
    if "\x00" in body:
        raise ValidationError({"body": NUL_CHARACTER})
    return body


def clean_client_id(client_id: object) -> str | None:
    if client_id is None:
        return None
    if (
        not isinstance(client_id, str)
        or not 1 <= len(client_id) <= CLIENT_ID_MAX_LENGTH
        or "\x00" in client_id
    ):
        raise ValidationError({"client_id": CLIENT_ID_INVALID})
    return client_id


def clean_emoji(emoji: object) -> str:
    if (
        not isinstance(emoji, str)
        or not 1 <= len(emoji) <= EMOJI_MAX_LENGTH
        or "/" in emoji
        or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in emoji)
    ):
        raise ValidationError({"emoji": EMOJI_INVALID})
    return emoji


def _members_named(group_id: int) -> MemberLookup:
    """The lookup `render_message` asks for the group's members among the mentioned names:
    one query, made only when the body mentions someone."""

    def lookup(names: set[str]) -> dict[str, tuple[int, str]]:
        if not is_valid_id(group_id):
            return {}
        rows = (
            Membership.objects.filter(group_id=group_id)
            .annotate(name=Lower("user__username"))
            .filter(name__in=names)
            .values_list("name", "user_id", "user__username")
        )
        return {name: (user_id, username) for name, user_id, username in rows}

    return lookup


def _may_mention_all(*, user_id: int, group_id: int) -> Callable[[], bool]:
    """Whether the group lets this member say `@all` (asked only of a body that says it)."""

    def may() -> bool:
        row = (
            Membership.objects.filter(group_id=group_id, user_id=user_id)
            .values_list("role", "group__mention_all_by")
            .first()
            if is_valid_id(group_id)
            else None
        )
        if row is None:
            return False
        role, allowed = row
        return allowed == Group.MentionAllBy.MEMBERS or role != Membership.Role.MEMBER

    return may


def _sent_before(*, sender: User, client_id: str | None) -> Message | None:
    if client_id is None:
        return None
    return (
        Message.objects.select_related("sender").filter(sender=sender, client_id=client_id).first()
    )


def send_message(
    *,
    sender: User,
    group_id: int,
    body: object,
    client_id: object = None,
    attachments: object = None,
) -> tuple[Message, bool]:
    """Store a message; returns (message, created). A repeated client_id returns the original.
    `attachments`: ids of the sender's uploads not sent yet (the body may then be empty).

    Raises Http404 when the group does not exist or the sender may not see it (or the client_id
    was used in another group), PermissionDenied when they can see it but are not a member,
    ValidationError for a bad body, client_id or attachment.

    The hot path of the site: no lookup before the insert (the unique constraint on
    (sender, client_id) catches a retry, which then finds the original), one locking query.
    """
    attachment_ids = attachment_services.clean_ids(attachments)
    body = clean_body(body, may_be_empty=bool(attachment_ids))
    client_id = clean_client_id(client_id)
    # Outside the lock, which is held only for the writes.
    rendered = render_message(
        body, _members_named(group_id), _may_mention_all(user_id=sender.id, group_id=group_id)
    )
    one_statement = not (rendered.mentions or rendered.mentions_all or attachment_ids)
    try:
        with _insert_transaction(one_statement=one_statement):
            message = _insert_locked(
                sender=sender,
                group_id=group_id,
                body=body,
                rendered=rendered,
                client_id=client_id,
                attachment_ids=attachment_ids,
            )
    except (IntegrityError, Http404, PermissionDenied):
        # A retry (perhaps concurrent, perhaps after the sender left the group) is answered
        # with the message the first attempt stored.
        if original := _sent_before(sender=sender, client_id=client_id):
            if original.group_id != group_id:  # a client_id is no key to another group
                raise Http404(NOT_FOUND) from None
            return original, False
        raise
    return message, True


def _insert_transaction(*, one_statement: bool) -> AbstractContextManager[object]:
    """The insert's transaction. On PostgreSQL the insert is one statement, a transaction of
    its own in autocommit: no BEGIN and COMMIT round trips (unless mention rows follow it).
    Inside a caller's transaction, a savepoint, so that a retried client_id does not abort it."""
    if one_statement and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return nullcontext()
    return transaction.atomic()


def _insert_locked(
    *,
    sender: User,
    group_id: int,
    body: str,
    rendered: Rendered,
    client_id: str | None,
    attachment_ids: list[int],
) -> Message:
    """Insert the message as the group's next seq, holding the group's row lock until commit:
    sends to one group commit one after the other, so ids grow in commit order and seq has no
    gaps. Publishes message.new after commit."""
    if not is_valid_id(group_id):
        raise Http404(NOT_FOUND)
    message = Message(
        group_id=group_id,
        sender=sender,
        body=body,
        html=rendered.html,
        client_id=client_id,
        created_at=timezone.now(),
        mentions=rendered.mentions,
        mentions_all=rendered.mentions_all,
    )
    insert = _insert_postgresql if connection.vendor == "postgresql" else _insert_orm
    group_kind = insert(message)
    if group_kind is None:
        refuse_non_member(group_id)
    claimed = attachment_services.claim(sender=sender, message_id=message.id, ids=attachment_ids)
    message.attachment_payloads = [attachment_payload(a) for a in claimed]
    if rendered.mentions:
        Mention.objects.bulk_create(
            Mention(message=message, user_id=user_id) for user_id in rendered.mentions
        )
    if rendered.mentions or rendered.mentions_all or group_kind == Group.Kind.DIRECT:
        # A direct message on PostgreSQL's one-statement path has committed already: its
        # receivers then write in a transaction of their own, right after.
        message_stored.send(
            sender=Message,
            message=message,
            created=True,
            group_kind=group_kind,
            mentioned_before=[],
            all_before=False,
        )
    events.message_new_on_commit(message_payload(message))
    return message


def _insert_orm(message: Message) -> str | None:
    """Lock, insert and bump the group's counters in three statements; the group's kind, or
    None for a sender who is not a member (or a group that does not exist)."""
    locked = (
        Group.objects.select_for_update(of=("self",))
        .filter(pk=message.group_id, memberships__user=message.sender)
        .values_list("last_seq", "kind")
    )
    row = next(iter(locked), None)
    if row is None:
        return None
    last_seq, kind = row
    message.seq = last_seq + 1
    message.save(force_insert=True)
    Group.objects.filter(pk=message.group_id).update(
        last_seq=message.seq, last_message=message, last_activity_at=message.created_at
    )
    return kind


# The same three steps as `_insert_orm` in one statement and one round trip: the hot path of
# the site, where building three ORM queries was much of a send's CPU (docs/performance.md).
# `locked` takes the group's row lock (waiting for a concurrent send to commit, then reading
# its last_seq); the insert and the counter update follow under that lock.
_INSERT_SQL = """
WITH locked AS (
    SELECT g.id, g.last_seq FROM {group} g
    WHERE g.id = %(group_id)s AND EXISTS (
        SELECT 1 FROM {membership} m WHERE m.group_id = g.id AND m.user_id = %(sender_id)s
    )
    FOR UPDATE OF g
), inserted AS (
    INSERT INTO {message} (group_id, seq, sender_id, body, html, created_at, deleted, client_id,
                           mentions, mentions_all)
    SELECT id, last_seq + 1, %(sender_id)s, %(body)s, %(html)s, %(created_at)s, false,
           %(client_id)s, %(mentions)s::jsonb, %(mentions_all)s
    FROM locked
    RETURNING id, seq
)
UPDATE {group} SET last_seq = inserted.seq, last_message_id = inserted.id,
    last_activity_at = %(created_at)s
FROM inserted WHERE {group}.id = %(group_id)s
RETURNING inserted.id, inserted.seq, {group}.kind
"""


def _insert_postgresql(message: Message) -> str | None:
    sql = _INSERT_SQL.format(
        group=Group._meta.db_table,
        membership=Membership._meta.db_table,
        message=Message._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "group_id": message.group_id,
                "sender_id": message.sender_id,
                "body": message.body,
                "html": message.html,
                "created_at": message.created_at,
                "client_id": message.client_id,
                "mentions": json.dumps(message.mentions),
                "mentions_all": message.mentions_all,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    message.id, message.seq, kind = row
    message._state.adding = False
    message._state.db = connection.alias
    return str(kind)


def _require_member(membership: Membership | None) -> Membership:
    if membership is None:
        raise PermissionDenied(NOT_A_MEMBER)
    return membership


@transaction.atomic
def message_edit(
    *, actor: User, membership: Membership | None, message: Message, body: object
) -> Message:
    """The sender edits their message; it is rendered again."""
    _require_member(membership)
    if message.sender_id != actor.id:
        raise PermissionDenied(ONLY_SENDER)
    if message.deleted:
        raise ValidationError({"body": MESSAGE_DELETED})
    message.body = clean_body(body)
    rendered = render_message(
        message.body,
        _members_named(message.group_id),
        _may_mention_all(user_id=actor.id, group_id=message.group_id),
    )
    message.html, message.edited_at = rendered.html, timezone.now()
    before, all_before = list(message.mentions), message.mentions_all
    _set_mentions(message, rendered.mentions, mentions_all=rendered.mentions_all)
    message.save(update_fields=["body", "html", "edited_at", "mentions", "mentions_all"])
    _stored_again(message, mentioned_before=before, all_before=all_before)
    events.message_updated_on_commit(message_payload_fresh(message))
    return message


def _stored_again(
    message: Message, *, mentioned_before: list[int], all_before: bool, deleted: bool = False
) -> None:
    """Tell the floors above that an edit or delete changed what the message says to whom (a
    delete always: a direct message's notification goes with it)."""
    if deleted or mentioned_before or all_before or message.mentions or message.mentions_all:
        message_stored.send(
            sender=Message,
            message=message,
            created=False,
            group_kind=None,
            mentioned_before=mentioned_before,
            all_before=all_before,
        )


def _set_mentions(message: Message, user_ids: Iterable[int], *, mentions_all: bool) -> None:
    """The message's mentions become these (its `Mention` rows follow); the caller saves."""
    user_ids = list(user_ids)
    Mention.objects.filter(message=message).exclude(user_id__in=user_ids).delete()
    had = set(Mention.objects.filter(message=message).values_list("user_id", flat=True))
    Mention.objects.bulk_create(
        Mention(message=message, user_id=user_id) for user_id in user_ids if user_id not in had
    )
    message.mentions, message.mentions_all = user_ids, mentions_all


@transaction.atomic
def message_delete(*, actor: User, membership: Membership | None, message: Message) -> Message:
    """The sender, or an owner or admin, deletes a message: it stays in history as a tombstone."""
    _require_member(membership)
    if message.sender_id != actor.id and not can_moderate_message(membership):
        raise PermissionDenied(NOT_ALLOWED)
    return message_tombstone(message=message)


@transaction.atomic
def message_tombstone(*, message: Message) -> Message:
    """The doing step of `message_delete`, for callers that checked already (the admin's
    moderation): empty the message, drop its reactions, keep it in history as deleted."""
    if not message.deleted:
        message.body = message.html = ""
        message.deleted = True
        before, all_before = list(message.mentions), message.mentions_all
        _set_mentions(message, [], mentions_all=False)
        message.save(update_fields=["body", "html", "deleted", "mentions", "mentions_all"])
        _stored_again(message, mentioned_before=before, all_before=all_before, deleted=True)
        message.reactions.all().delete()
        attachment_services.discard_of_message(message.id)
        events.message_updated_on_commit(message_payload_fresh(message))
    return message


@transaction.atomic
def reaction_add(
    *, actor: User, membership: Membership | None, message: Message, emoji: object
) -> bool:
    """Returns True when the reaction is new, False when it was already there."""
    _require_member(membership)
    emoji = clean_emoji(emoji)
    if message.deleted:
        raise ValidationError({"emoji": MESSAGE_DELETED})
    _, created = Reaction.objects.get_or_create(message=message, user=actor, emoji=emoji)
    if created:
        events.message_updated_on_commit(message_payload_fresh(message))
    return created


@transaction.atomic
def reaction_remove(
    *, actor: User, membership: Membership | None, message: Message, emoji: object
) -> None:
    _require_member(membership)
    emoji = clean_emoji(emoji)
    deleted, _ = Reaction.objects.filter(message=message, user=actor, emoji=emoji).delete()
    if deleted:
        events.message_updated_on_commit(message_payload_fresh(message))


def mark_read(*, membership: Membership | None, message_id: object) -> None:
    """Advance the caller's read marker to message_id (never backwards)."""
    membership = _require_member(membership)
    if not is_valid_id(message_id):
        raise ValidationError({"message_id": UNKNOWN_MESSAGE})
    if not Message.objects.filter(pk=message_id, group_id=membership.group_id).exists():
        raise ValidationError({"message_id": UNKNOWN_MESSAGE})
    Membership.objects.filter(pk=membership.pk).update(
        last_read_id=Greatest(F("last_read_id"), message_id)
    )
    read_up_to.send(
        sender=Membership,
        user_id=membership.user_id,
        group_id=membership.group_id,
        up_to=message_id,
    )
