"""Plain JSON-safe dicts of users and messages: the one representation that REST answers,
websocket frames and channel-layer events share. Lists are batch-loaded: a page of messages
costs one query for the messages (with senders) and one for their reactions. The hot reads
(REST history, resume, completions) read rows instead of models (`payload_rows`,
`payloads_of_rows`), and skip the reactions query when no message of the page has any.

Reactions are carried with the ids of the users who reacted (`users`), so one event serves
every recipient; `for_viewer` turns that into the contract's `{emoji, count, me}`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import reduce
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from accounts.payloads import user_fields
from attachments.models import Attachment
from attachments.payloads import attachments_by_message

from .models import Message, Reaction

# What a payload reads of a message and its sender: with values_list, a page of 50 costs no
# model instances (building them was most of a history page's time).
PAYLOAD_COLUMNS = (
    "id",
    "group_id",
    "seq",
    "sender_id",
    "sender__username",
    "sender__display_name",
    "body",
    "html",
    "created_at",
    "edited_at",
    "deleted",
    "client_id",
    "mentions",
    "mentions_all",
)


def iso(value) -> str | None:
    """A datetime as the contract writes it (ISO 8601, UTC as Z); None stays None."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def message_payload(
    message: Message,
    reactions: list[dict[str, Any]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict:
    """The message as every recipient shares it (reactions with user ids); needs `sender`.
    Its attachments: those given, else those `send_message` gave it, else read (a query)."""
    if attachments is None:
        attachments = message.attachment_payloads
    if attachments is None:
        attachments = attachments_by_message([message.id]).get(message.id, [])
    return _payload(_row_of(message), reactions or [], attachments)


def _row_of(message: Message) -> tuple:
    """The message's values in PAYLOAD_COLUMNS order, as `payload_rows` reads them."""
    return tuple(reduce(getattr, column.split("__"), message) for column in PAYLOAD_COLUMNS)


def _payload(
    row: tuple, reactions: list[dict[str, Any]], attachments: list[dict[str, Any]]
) -> dict[str, Any]:
    """The one shape of a message, from a row in PAYLOAD_COLUMNS order (anything after them is
    left out)."""
    (
        id_,
        group_id,
        seq,
        sender_id,
        username,
        display_name,
        body,
        html,
        created_at,
        edited_at,
        deleted,
        client_id,
        mentions,
        mentions_all,
        *_,
    ) = row
    return {
        "id": id_,
        "group": group_id,
        "seq": seq,
        "sender": user_fields(sender_id, username, display_name),
        "body": body,
        "html": html,
        "created_at": iso(created_at),
        "edited_at": iso(edited_at),
        "deleted": deleted,
        "client_id": client_id,
        "reactions": reactions,
        "mentions": mentions,
        "mentions_all": mentions_all,
        "attachments": attachments,
    }


def reactions_by_message(message_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """{message id: [{emoji, count, users}]} in one query, emoji in first-use order."""
    users: dict[int, dict[str, list[int]]] = defaultdict(dict)
    rows = (
        Reaction.objects.filter(message_id__in=list(message_ids))
        .order_by("id")
        .values_list("message_id", "emoji", "user_id")
    )
    for message_id, emoji, user_id in rows:
        users[message_id].setdefault(emoji, []).append(user_id)
    return {
        message_id: [
            {"emoji": emoji, "count": len(ids), "users": ids} for emoji, ids in by_emoji.items()
        ]
        for message_id, by_emoji in users.items()
    }


def message_payloads(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Payloads for a list of messages whose `sender` is select_related: one reactions query
    and one attachments query."""
    messages = list(messages)
    ids = [m.id for m in messages]
    reactions = reactions_by_message(ids) if messages else {}
    attachments = attachments_by_message(ids) if messages else {}
    return [message_payload(m, reactions.get(m.id), attachments.get(m.id, [])) for m in messages]


def payload_rows(messages: QuerySet[Message]) -> QuerySet:
    """The queryset's messages as rows of PAYLOAD_COLUMNS and whether each has reactions and
    attachments, for `payloads_of_rows`."""
    return messages.annotate(
        has_reactions=Exists(Reaction.objects.filter(message=OuterRef("pk"))),
        has_attachments=Exists(Attachment.objects.filter(message=OuterRef("pk"))),
    ).values_list(*PAYLOAD_COLUMNS, "has_reactions", "has_attachments")


def payloads_of_rows(rows: list[tuple]) -> list[dict[str, Any]]:
    """Payloads of rows of `payload_rows`, in their order. Reactions and attachments take a
    query each, and only when a message of the page has some (most pages have none)."""
    reacted = [row[0] for row in rows if row[-2]]
    attached = [row[0] for row in rows if row[-1]]
    reactions = reactions_by_message(reacted) if reacted else {}
    attachments = attachments_by_message(attached) if attached else {}
    return [_payload(row, reactions.get(row[0], []), attachments.get(row[0], [])) for row in rows]


def payloads_of(messages: QuerySet[Message]) -> list[dict[str, Any]]:
    """Payloads of the queryset's messages, in its order, read as rows."""
    return payloads_of_rows(list(payload_rows(messages)))


def message_payload_fresh(message: Message) -> dict[str, Any]:
    """One message with its current reactions and attachments (after an edit, delete or
    reaction change)."""
    return message_payload(
        message,
        reactions_by_message([message.id]).get(message.id),
        attachments_by_message([message.id]).get(message.id, []),
    )


def for_viewer(payload: dict[str, Any], viewer_id: int | None) -> dict[str, Any]:
    """The contract's message for one viewer: reactions as {emoji, count, me}."""
    if not payload["reactions"]:
        return payload
    return {
        **payload,
        "reactions": [
            {"emoji": r["emoji"], "count": r["count"], "me": viewer_id in r["users"]}
            for r in payload["reactions"]
        ],
    }
