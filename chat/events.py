"""The one event contract between the services and the websockets.

Services call the `*_on_commit` helpers inside their transaction; the event is published only
after the transaction commits, and never when it rolls back. Every payload is a plain,
JSON-safe dict (what the in-memory layer accepts, msgpack on Redis may not: tests round-trip
each payload through JSON). Events are built once per event, never once per recipient.

Channel-layer group names:
- `group.<id>`: every process with a socket of a member of group <id>;
- `user.<id>`: every process with a socket of user <id> (membership and session changes).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# Event types. The channel-layer "type" is the frame type with "." turned into "_" by Channels
# when it dispatches to a consumer method (message.new -> message_new).
MESSAGE_NEW = "message.new"
MESSAGE_UPDATED = "message.updated"
GROUP_ADDED = "group.added"
GROUP_REMOVED = "group.removed"
CREDENTIALS_REVOKED = "credentials.revoked"
TYPING = "typing"  # published by the sockets themselves (chat.hub), not by services


def group_channel(group_id: int) -> str:
    return f"group.{group_id}"


def user_channel(user_id: int) -> str:
    return f"user.{user_id}"


def publish_rollback_unsafe(target: str, event: dict[str, Any]) -> None:
    """Publish now, whatever happens to the surrounding transaction. Prefer `publish_on_commit`.

    In a server process the websockets' hub (chat.hub) publishes it from its event loop, and
    the caller does not wait for Redis (a sync view starts the hub if no socket has yet).
    Elsewhere (a management command, a WSGI worker, a test) the layer is called here and now.
    A failure is logged, never raised: the write it follows has committed.
    """
    from .hub import publish_from_server_loop, running_hub, server_loop  # it imports this module

    try:
        if (hub := running_hub()) is not None:
            hub.publish_threadsafe(target, event)
            return
        if (loop := server_loop()) is not None:  # a server process with no socket yet
            asyncio.run_coroutine_threadsafe(publish_from_server_loop(target, event), loop)
            return
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(target, event)
    except Exception:  # the channel layer may drop a ring; clients catch up from the database
        logger.exception("could not publish %s to %s", event.get("type"), target)


def publish_on_commit(target: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: publish_rollback_unsafe(target, event))


def assert_json_safe(event: dict[str, Any]) -> dict[str, Any]:
    """What tests call on every payload: it must survive a JSON round trip unchanged."""
    assert json.loads(json.dumps(event)) == event, event
    return event


# --- What the services publish --------------------------------------------------------------


def message_new_on_commit(message_payload: dict[str, Any]) -> None:
    publish_on_commit(
        group_channel(message_payload["group"]), {"type": MESSAGE_NEW, "message": message_payload}
    )


def message_updated_on_commit(message_payload: dict[str, Any]) -> None:
    publish_on_commit(
        group_channel(message_payload["group"]),
        {"type": MESSAGE_UPDATED, "message": message_payload},
    )


def group_added_on_commit(*, group_id: int, user_id: int) -> None:
    """The user joined or was added: their sockets subscribe and send a `group.added` frame."""
    publish_on_commit(
        user_channel(user_id), {"type": GROUP_ADDED, "group": group_id, "user": user_id}
    )


def group_removed_on_commit(*, group_id: int, user_ids: list[int]) -> None:
    """The users left, were removed, or the group was deleted: nothing more of it reaches them."""
    for user_id in user_ids:
        publish_on_commit(
            user_channel(user_id), {"type": GROUP_REMOVED, "group": group_id, "user": user_id}
        )


def credentials_revoked_on_commit(
    *, user_id: int, token_key: str | None = None, session_key: str | None = None
) -> None:
    """A token was revoked, a session ended or the account was deactivated: the sockets that
    used them close. Neither key given: every socket of the user closes."""
    publish_on_commit(
        user_channel(user_id),
        {
            "type": CREDENTIALS_REVOKED,
            "user": user_id,
            "token_key": token_key,
            "session_key": session_key,
        },
    )
