"""A socket's client frames: reading each one, refusing it (an `error` frame with a code of
docs/realtime.md) or handling it, one method per frame type.

`ClientFrames` is a part of `ChatConsumer` (chat/consumers.py), which the consumer inherits
from: the frames are handled on the consumer's own state, one at a time, in the order sent.
Database work goes through chat/actions.py in the sockets' pool (chat/db.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from core import events
from core.database import database_unavailable

from . import actions, db, frames
from .frames import FrameError
from .streams import REPLAY, GroupStream

if TYPE_CHECKING:
    from .handshake import Identity
    from .hub import Hub
    from .throttles import FrameRate

logger = logging.getLogger(__name__)

RESUME_LIMIT = 500  # messages replayed per `resume` frame; then has_more


class ClientFrames:
    # The consumer's state that the frames use (chat/consumers.py sets it). The frames are read
    # only once connect has set identity, user_id and a started hub: the asserts say so.
    identity: Identity | None
    user_id: int | None
    hub: Hub | None
    streams: dict[int, GroupStream]
    rate: FrameRate
    _closing: bool
    _completions: dict[int, asyncio.Task]

    if TYPE_CHECKING:

        def push(self, text: str) -> None: ...

        def close(self, code: int) -> None: ...

        def release_hold(self) -> None: ...

    async def receive(self, text: str | None) -> None:
        if self._closing:
            return
        try:
            frame: dict[str, Any] | None = frames.decode(text)
            undecodable = None
        except FrameError as refused:
            frame, undecodable = None, refused
        kind = frame["type"] if frame is not None else None
        client_id = frame.get("client_id") if frame is not None and kind == "message.send" else None
        if kind != "ping" and not self.rate.allow():  # a ping is answered outside the budget
            if self.rate.flooding():
                self.close(frames.CLOSE_FLOOD)
            else:
                self.refuse(FrameError(frames.RATE_LIMITED, frames.SLOW_DOWN, client_id))
            return
        if undecodable is not None:
            self.refuse(undecodable)
            return
        assert frame is not None and kind is not None
        await self._handle(kind, frame, client_id, size=len(text or ""))

    async def _handle(self, kind: str, frame: dict[str, Any], client_id: Any, *, size: int) -> None:
        handler = self.HANDLERS.get(kind)
        if handler is None:
            self.refuse(FrameError(frames.UNKNOWN_TYPE, frames.UNKNOWN_FRAME_TYPE))
            return
        if kind != "resume":
            self.release_hold()
        try:
            await handler(self, frame)
        except FrameError as refused:
            self.refuse(refused)
        except Exception as failure:
            # Logged by type and size, never by content: a frame holds bodies and tokens.
            if database_unavailable(failure):
                logger.warning("websocket: the database is unavailable for a %s frame", kind)
                self.refuse(FrameError(frames.UNAVAILABLE, frames.UNAVAILABLE_NOW, client_id))
            else:
                logger.exception("websocket: a %s frame (%d characters) failed", kind, size)
                self.refuse(FrameError(frames.SERVER_ERROR, frames.UNEXPECTED, client_id))

    def refuse(self, error: FrameError) -> None:
        """Answer a frame with an `error` frame (and let held frames go: the client is live)."""
        self.release_hold()
        self.push(frames.error(error.code, error.detail, error.client_id))

    def _member_stream(self, group_id: int) -> GroupStream:
        stream = self.streams.get(group_id)
        if stream is None:
            raise FrameError(frames.NOT_A_MEMBER, frames.NOT_MEMBER_OF_GROUP)
        return stream

    async def send_message(self, frame: dict[str, Any]) -> None:
        client_id = frame.get("client_id")
        group_id = frames.integer(frame, "group", client_id)
        assert self.identity is not None
        try:
            ack = await db.run(
                actions.send,
                user=self.identity.user,
                group_id=group_id,
                body=frame.get("body"),
                client_id=client_id,
                attachments=frame.get("attachments"),
            )
        except (Http404, PermissionDenied):
            raise FrameError(frames.NOT_A_MEMBER, frames.NOT_MEMBER_OF_GROUP, client_id) from None
        except ValidationError as invalid:
            raise FrameError(frames.INVALID, " ".join(invalid.messages), client_id) from None
        except actions.TooManyWrites:
            raise FrameError(frames.RATE_LIMITED, frames.TOO_MANY_WRITES, client_id) from None
        self.push(ack)

    async def resume(self, frame: dict[str, Any]) -> None:
        cursors = frames.cursors(frame)
        for group_id in cursors:
            self._member_stream(group_id)
        for group_id in cursors:
            self.streams[group_id].wait(REPLAY)
        self.release_hold()
        assert self.identity is not None
        budget, has_more = RESUME_LIMIT, False
        for group_id, after_id in cursors.items():
            stream = self.streams.get(group_id)
            if stream is None:  # removed meanwhile
                continue
            if pending := self._completions.get(group_id):
                await asyncio.wait([pending])
            if budget == 0:
                has_more = True
                continue
            if after_id >= self.identity.last_ids.get(group_id, after_id + 1):
                # The client had every message as of the handshake, and the stream is at the
                # handshake's position: what follows comes live. No query (a reconnect storm
                # of up-to-date clients is mostly this).
                stream.release(REPLAY)
                continue
            page = await db.run(actions.replay, group_id=group_id, after_id=after_id, limit=budget)
            if self.streams.get(group_id) is not stream:
                continue
            assert self.user_id is not None
            for payload in page.payloads:
                self.push(frames.MessageFrame(events.MESSAGE_NEW, payload).text_for(self.user_id))
            budget -= len(page.payloads)
            last_replayed = page.payloads[-1]["seq"] if page.payloads else 0
            if page.has_more:
                has_more = True
                stream.position(last_replayed)
            else:
                stream.position(max(last_replayed, page.last_seq))
                stream.release(REPLAY)
        self.push(frames.encode({"type": "resume.done", "has_more": has_more}))

    async def typing(self, frame: dict[str, Any]) -> None:
        group_id = frames.integer(frame, "group")
        self._member_stream(group_id)
        assert self.hub is not None and self.identity is not None
        self.hub.typists.typing(user=self.identity.user, group_id=group_id)

    async def read(self, frame: dict[str, Any]) -> None:
        group_id = frames.integer(frame, "group")
        message_id = frames.integer(frame, "message_id")
        assert self.identity is not None
        try:
            await db.run(
                actions.read, user=self.identity.user, group_id=group_id, message_id=message_id
            )
        except (Http404, PermissionDenied):
            raise FrameError(frames.NOT_A_MEMBER, frames.NOT_MEMBER_OF_GROUP) from None
        except ValidationError as invalid:
            raise FrameError(frames.INVALID, " ".join(invalid.messages)) from None

    async def ping(self, frame: dict[str, Any]) -> None:
        self.push(frames.encode({"type": "pong"}))

    async def presence_get(self, frame: dict[str, Any]) -> None:
        group_id = frames.integer(frame, "group")
        self._member_stream(group_id)
        member_ids = await db.run(actions.group_member_ids, group_id=group_id)
        assert self.hub is not None and self.hub.presence is not None
        online = await self.hub.presence.online(member_ids)
        self.push(frames.encode({"type": "presence.state", "group": group_id, "online": online}))

    HANDLERS = {
        "message.send": send_message,
        "resume": resume,
        "typing": typing,
        "read": read,
        "ping": ping,
        "presence.get": presence_get,
    }
