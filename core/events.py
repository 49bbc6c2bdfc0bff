"""The one event contract between the services and the real-time edge.

Services call the `*_on_commit` helpers inside their transaction; the event is published only
after the transaction commits, and never when it rolls back. Every event is a plain dict that
survives a JSON round trip (what the in-memory layer accepts, msgpack on Redis may not): with
`check_json_safe` on, as in the tests, `publish_on_commit` checks each one where it is built,
so a datetime fails at its source rather than in a socket. An event is built once per
channel-layer group it goes to and shared by every socket there.

This module imports no app of the project and no socket code. The delivery side (chat) hands
it a publisher at start-up (`set_publisher`); without one, events go to the channel layer from
here and now.

Channel-layer group names:
- `group.<id>`: every process with a socket of a member of group <id>;
- `user.<id>`: every process with a socket of user <id> (membership and session changes,
  notifications).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

Event = dict[str, Any]  # JSON-safe

# Event types. The channel-layer "type" is the frame type with "." turned into "_" by Channels
# when it dispatches to a consumer method (message.new -> message_new).
MESSAGE_NEW = "message.new"
MESSAGE_UPDATED = "message.updated"
GROUP_ADDED = "group.added"
GROUP_REMOVED = "group.removed"
CREDENTIALS_REVOKED = "credentials.revoked"
NOTIFICATION_NEW = "notification.new"
TYPING = "typing"  # published by the sockets themselves, not by services
PRESENCE = "presence"  # likewise: who came online or went offline in a group


GROUP_CHANNEL_PREFIX = "group."


def group_channel(group_id: int) -> str:
    return f"{GROUP_CHANNEL_PREFIX}{group_id}"


def group_of_channel(name: str) -> int | None:
    """The group id of a `group_channel` name; None for any other layer group."""
    return (
        int(name.removeprefix(GROUP_CHANNEL_PREFIX))
        if name.startswith(GROUP_CHANNEL_PREFIX)
        else None
    )


def user_channel(user_id: int) -> str:
    return f"user.{user_id}"


# Takes an event for a layer group; False when it cannot (then it goes to the layer from here).
Publisher = Callable[[str, Event], bool]

_publisher: Publisher | None = None
check_json_safe = False  # the tests turn it on (conftest.py)


def set_publisher(publisher: Publisher | None) -> Publisher | None:
    """Route published events through the delivery side (chat's AppConfig.ready sets its hub).
    Returns the publisher it replaces."""
    global _publisher
    previous, _publisher = _publisher, publisher
    return previous


def publish_rollback_unsafe(target: str, event: Event) -> None:
    """Publish now, whatever happens to the surrounding transaction. Prefer `publish_on_commit`.

    The publisher set by the delivery side takes it when it can (in a server process: from its
    event loop, without the caller waiting for Redis). Elsewhere (a management command, a WSGI
    worker, a test) the layer is called here and now, or, from a thread that runs an event loop,
    sent by a task on that loop. A failure is logged, never raised: the write it follows has
    committed.
    """
    try:
        if _publisher is not None and _publisher(target, event):
            return
        layer = get_channel_layer()
        if layer is None:
            return
        if (loop := _running_loop()) is not None:  # sync code called from an event loop's thread
            task = loop.create_task(layer.group_send(target, event))
            _sending.add(task)
            task.add_done_callback(_sent)
        else:
            async_to_sync(layer.group_send)(target, event)
    except Exception:  # the channel layer may drop a ring; clients catch up from the database
        logger.exception("could not publish %s to %s", event.get("type"), target)


_sending: set[asyncio.Task[None]] = set()  # sends under way on a running loop (kept referenced)


def _sent(task: asyncio.Task[None]) -> None:
    _sending.discard(task)
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error("could not publish an event: %r", error)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def publish_on_commit(target: str, event: Event) -> None:
    if check_json_safe:
        assert_json_safe(event)
    transaction.on_commit(lambda: publish_rollback_unsafe(target, event))


def publish_many_on_commit(events: list[tuple[str, Event]]) -> None:
    """`publish_on_commit` for many events at once (a job notifying a thousand users): sent
    after commit in one pass over the layer, not one round through `async_to_sync` each."""
    if check_json_safe:
        for _, event in events:
            assert_json_safe(event)
    if events:
        transaction.on_commit(lambda: _publish_many(events))


def _publish_many(events: list[tuple[str, Event]]) -> None:
    left = [(t, e) for t, e in events if _publisher is None or not _publisher(t, e)]
    layer = get_channel_layer() if left else None
    if layer is None:
        return

    async def send_all() -> None:
        for target, event in left:
            try:
                await layer.group_send(target, event)
            except Exception:  # as publish_rollback_unsafe: the database has it
                logger.exception("could not publish %s to %s", event.get("type"), target)

    if (loop := _running_loop()) is not None:
        task = loop.create_task(send_all())
        _sending.add(task)
        task.add_done_callback(_sent)
    else:
        async_to_sync(send_all)()


def assert_json_safe(event: Event) -> Event:
    """The event, if it survives a JSON round trip unchanged (else AssertionError)."""
    try:
        round_trip = json.loads(json.dumps(event))
    except (TypeError, ValueError) as error:
        raise AssertionError(f"not JSON-safe: {event!r}") from error
    assert round_trip == event, f"changed by a JSON round trip: {event!r}"
    return event


# --- What the services publish --------------------------------------------------------------


def message_new_on_commit(message_payload: Event) -> None:
    publish_on_commit(
        group_channel(message_payload["group"]), {"type": MESSAGE_NEW, "message": message_payload}
    )


def message_updated_on_commit(message_payload: Event) -> None:
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


def notifications_new_on_commit(notifications: list[tuple[int, Event]]) -> None:
    """Notifications were created, (user id, notification) each: their users' sockets get a
    `notification.new` frame."""
    publish_many_on_commit(
        [
            (
                user_channel(user_id),
                {"type": NOTIFICATION_NEW, "user": user_id, "notification": notification},
            )
            for user_id, notification in notifications
        ]
    )
