"""One websocket: the handshake, the outbox, and what the hub hands over to send.

A plain ASGI application rather than a Channels consumer class: a Channels consumer takes a
channel of the layer per socket and a thread hop per frame (`aclose_old_connections`), which
is exactly the cost the hub (chat/hub.py) removes. The shape is the tutorial's all the same:
authorize and subscribe before `accept()`, let go on disconnect, one method per frame type
(`ClientFrames`, chat/handlers.py), database work through the services in a thread pool
(chat/db.py).

The consumer is the hub's `Socket` (chat/sockets.py). Frames leave through an outbox that one
short-lived task drains, so the hub never waits for a socket. Client frames are handled one at
a time, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from django.conf import settings

from core import events

from . import completion, db, frames, handshake
from .handlers import ClientFrames
from .hub import Hub
from .loops import get_hub
from .streams import COMPLETION, HOLD, JOINING, GroupStream
from .throttles import FrameRate

logger = logging.getLogger(__name__)

HOLD_SECONDS = 1.0  # live message frames wait this long for a `resume` after the handshake
# ... or longer while the process is too busy to read frames as they come: a hold timer this
# late means the event loop is behind, and the client's `resume` may sit unread in its socket.
# Letting live frames out then would put them before the replay of older messages.
BUSY_LAG_SECONDS = 0.1
HOLD_MAX_SECONDS = 5.0
MAX_OUTBOX = 5000  # frames waiting for a client that does not read: then CLOSE_TOO_SLOW

_connecting = 0  # handshakes under way in this process (settings.WEBSOCKET_MAX_CONNECTING)


class ChatConsumer(ClientFrames):
    @classmethod
    def as_asgi(cls):
        async def app(scope, receive, send):
            await cls(scope, send).run(receive)

        return app

    def __init__(self, scope, send) -> None:
        self.scope = scope
        self._send = send
        self.identity: handshake.Identity | None = None
        self.user_id: int | None = None
        self.hub: Hub | None = None
        self.streams: dict[int, GroupStream] = {}
        self.rate = FrameRate()
        self._outbox: deque[str | int] = deque()
        self._writer: asyncio.Task | None = None
        self._accepted = False
        self._closing = False
        self._hold_timer: asyncio.Handle | None = None
        self._hold_since = 0.0
        self._completions: dict[int, asyncio.Task] = {}

    # --- Connection ---------------------------------------------------------------------------

    async def run(self, receive) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        if not await self.connect():
            await self._until_disconnect(receive)
            return
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.receive":
                    await self.receive(message.get("text"))
                elif message["type"] == "websocket.disconnect":
                    break
        finally:
            self.disconnected()

    async def connect(self) -> bool:
        """Authenticate and subscribe to all of the user's groups, then accept; or, when the
        process already works on as many handshakes as it takes, close with 4013 at once
        (a reconnect storm is shed, not queued)."""
        global _connecting
        if _connecting >= settings.WEBSOCKET_MAX_CONNECTING:
            await self._refuse(frames.CLOSE_TRY_AGAIN)
            return False
        _connecting += 1
        try:
            return await self._connect()
        finally:
            _connecting -= 1

    async def _connect(self) -> bool:
        try:
            self.identity = await db.run(handshake.identify, self.scope)
        except Exception:
            logger.exception("websocket: could not authenticate")
            await self._refuse(frames.CLOSE_TRY_AGAIN)
            return False
        if self.identity is None:
            await self._refuse(frames.CLOSE_UNAUTHENTICATED)
            return False
        self.user_id = self.identity.user.id
        self.streams = {
            group_id: GroupStream(self, group_id, last_seq=last_seq, waiting=HOLD)
            for group_id, last_seq in self.identity.groups.items()
        }
        try:
            self.hub = await get_hub()
            await self.hub.subscriptions.subscribe((self,), self._layer_groups())
        except Exception:
            logger.exception("websocket: could not subscribe to the channel layer")
            if self.hub is not None:
                self.hub.subscriptions.unsubscribe(self, self._layer_groups())
            await self._refuse(frames.CLOSE_TRY_AGAIN)
            return False
        await self._send({"type": "websocket.accept"})
        self._accepted = True
        loop = asyncio.get_running_loop()
        self._hold_since = loop.time()
        self._hold_timer = loop.call_later(HOLD_SECONDS, self._hold_over, self._hold_since)
        assert self.hub.presence is not None  # get_hub returns a started hub
        self.hub.presence.opened(self.user_id, self.streams)
        self._start_writer()
        return True

    async def _refuse(self, code: int) -> None:
        """Accept, then close at once: a close before accept would reach the client as 403."""
        await self._send({"type": "websocket.accept"})
        await self._send({"type": "websocket.close", "code": code})

    @staticmethod
    async def _until_disconnect(receive) -> None:
        while (await receive())["type"] != "websocket.disconnect":
            pass

    def _layer_groups(self) -> list[str]:
        assert self.user_id is not None  # called once connect has the user
        return [events.user_channel(self.user_id)] + [
            events.group_channel(group_id) for group_id in self.streams
        ]

    def disconnected(self) -> None:
        self._closing = True
        if self._hold_timer is not None:
            self._hold_timer.cancel()
        for task in self._completions.values():
            task.cancel()
        if self.hub is not None:
            self.hub.subscriptions.unsubscribe(self, self._layer_groups())
            # A hub is set only once connect had the user, and only a started one.
            assert self.hub.presence is not None and self.user_id is not None
            self.hub.presence.closed(self.user_id, self.streams)

    # --- Sending ------------------------------------------------------------------------------

    def push(self, text: str) -> None:
        """Queue a frame for the client."""
        if self._closing:
            return
        if len(self._outbox) >= MAX_OUTBOX:
            self.close(frames.CLOSE_TOO_SLOW)
            return
        self._outbox.append(text)
        self._start_writer()

    def close(self, code: int) -> None:
        """Close after the frames already queued."""
        if self._closing:
            return
        self._outbox.append(code)
        self._closing = True
        self._start_writer()

    def _start_writer(self) -> None:
        if self._accepted and self._writer is None and self._outbox:
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        outbox = self._outbox
        try:
            while outbox:
                item = outbox.popleft()
                if isinstance(item, str):
                    await self._send({"type": "websocket.send", "text": item})
                else:
                    await self._send({"type": "websocket.close", "code": item})
                    outbox.clear()
        except Exception:
            # The client is gone, or the server could not write a frame: either way this socket
            # is over. Say so (1011) rather than leave it open and deaf; the client resumes.
            self._closing = True
            outbox.clear()
            with contextlib.suppress(Exception):
                await self._send({"type": "websocket.close", "code": frames.CLOSE_SERVER_ERROR})
        finally:
            self._writer = None

    # --- What the hub hands over --------------------------------------------------------------

    def message_frame(self, frame: frames.MessageFrame) -> None:
        stream = self.streams.get(frame.group_id)
        if stream is None:
            return
        assert self.user_id is not None  # a socket with streams has connected
        if frame.kind == events.MESSAGE_NEW:
            if frame.seq > stream.last_seq:  # (else a duplicate: not even encoded)
                stream.message_new(frame.seq, frame.text_for(self.user_id))
        else:
            stream.message_updated(frame.seq, frame.text_for(self.user_id))

    def group_frame(self, group_id: int, text: str) -> None:
        """A frame about a group that needs no ordering (typing, presence)."""
        if group_id in self.streams:
            self.push(text)

    def user_frame(self, text: str) -> None:
        self.push(text)

    def joining(self, group_id: int) -> bool:
        """The user joined a group: hold its frames until the socket knows where it starts."""
        if group_id in self.streams or self._closing:
            return False
        self.streams[group_id] = GroupStream(self, group_id, last_seq=0, waiting=JOINING)
        return True

    def joined(self, group_id: int, joined: tuple[dict[str, Any], int] | None) -> None:
        stream = self.streams.get(group_id)
        if stream is None or not stream.waiting & JOINING:
            return
        if joined is None:  # removed again before the join was through
            self._drop_stream(group_id)
            return
        group, last_seq = joined
        self.push(frames.encode({"type": "group.added", "group": group}))
        stream.position(max(stream.last_seq, last_seq))  # a `resume` may have replayed further
        stream.release(JOINING)

    def group_removed(self, group_id: int) -> None:
        if self._drop_stream(group_id):
            self.push(frames.encode({"type": "group.removed", "group": group_id}))

    def _drop_stream(self, group_id: int) -> bool:
        stream = self.streams.pop(group_id, None)
        if stream is None:
            return False
        if self.identity is not None:  # the handshake's last id no longer says where it is
            self.identity.last_ids.pop(group_id, None)
        if task := self._completions.pop(group_id, None):
            task.cancel()
        assert self.hub is not None  # a socket with streams has connected
        self.hub.subscriptions.unsubscribe(self, [events.group_channel(group_id)])
        return True

    def _hold_over(self, due_since: float) -> None:
        """The hold's time is up, unless the loop is behind (then it waits on, within the
        maximum). A frame read in this same turn of the loop is handled first: the release
        goes to the end of the turn's callbacks."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        late = now - (due_since + HOLD_SECONDS)
        if late > BUSY_LAG_SECONDS and now - self._hold_since < HOLD_MAX_SECONDS:
            self._hold_timer = loop.call_later(HOLD_SECONDS, self._hold_over, now)
        else:
            self._hold_timer = loop.call_soon(self.release_hold)

    def release_hold(self) -> None:
        if self._hold_timer is None:
            return
        self._hold_timer.cancel()
        self._hold_timer = None
        for stream in list(self.streams.values()):
            stream.release(HOLD)

    def complete(self, stream: GroupStream) -> None:
        """Called by a stream that knows of messages it has not sent: fetch them."""
        stream.wait(COMPLETION)
        self._completions[stream.group_id] = asyncio.get_running_loop().create_task(
            self._complete(stream)
        )

    async def _complete(self, stream: GroupStream) -> None:
        group_id = stream.group_id
        assert self.hub is not None and self.user_id is not None  # streams come after connect
        await completion.complete(stream, self.hub.completions, self.user_id)
        if self.streams.get(group_id) is stream:
            self._completions.pop(group_id, None)
            stream.release(COMPLETION)
