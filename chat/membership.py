"""Membership changes on the open sockets, as the hub's reader receives them on `user.<id>`:
a group joined (subscribe the user's sockets to it, then `group.added`), a group left
(`group.removed`), credentials revoked (close the sockets opened with them, 4401)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Set

from core import events

from . import actions, db, frames
from .sockets import Socket
from .subscriptions import Subscriptions

logger = logging.getLogger(__name__)


async def group_added(subscriptions: Subscriptions, *, user_id: int, group_id: int) -> None:
    """Subscribe the user's sockets to the group, then tell them (`group.added`)."""
    joining = [
        socket
        for socket in subscriptions.sockets.get(events.user_channel(user_id), ())
        if socket.joining(group_id)
    ]
    if not joining:
        return
    try:
        # All at once: a socket that goes while the layer subscribes is let go of, not kept.
        await subscriptions.subscribe(joining, [events.group_channel(group_id)])
        joined = await db.run(actions.joined_group, user_id=user_id, group_id=group_id)
    except Exception:
        logger.exception("hub: could not add group %s to the sockets of %s", group_id, user_id)
        for socket in joining:
            socket.close(frames.CLOSE_TRY_AGAIN)
        return
    for socket in joining:
        socket.joined(group_id, joined)


def group_removed(sockets: Mapping[str, Set[Socket]], *, user_id: int, group_id: int) -> None:
    for socket in list(sockets.get(events.user_channel(user_id), ())):
        socket.group_removed(group_id)


def credentials_revoked(
    sockets: Mapping[str, Set[Socket]],
    *,
    user_id: int,
    token_key: str | None,
    session_key: str | None,
) -> None:
    """Close the user's sockets opened with these credentials (neither given: all of them)."""
    for socket in list(sockets.get(events.user_channel(user_id), ())):
        identity = socket.identity
        if identity is not None and identity.uses(token_key=token_key, session_key=session_key):
            socket.close(frames.CLOSE_UNAUTHENTICATED)
