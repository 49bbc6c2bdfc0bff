"""The process's side of the channel layer: one hub per event loop.

The Channels tutorial gives every socket a channel of the layer and a dispatch per event; the
layer's per-channel work then costs far more than writing to the sockets. Here the hub owns ONE
channel, subscribes it to the `group.<id>` / `user.<id>` layer groups that its local sockets
need (counted per socket; let go a while after the last one leaves), and one reader task fans
each event out in-process: a frame is encoded to JSON once per process, then handed to every
local socket of that group (reactions' `me` makes a per-viewer variant only for viewers who
reacted).

It also publishes for the sockets and for code running in other threads of the process (the
services' after-commit hooks), gathers missing messages for the sockets' completions (one query
for every socket that misses the same range), and keeps presence.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from asgiref.sync import SyncToAsync
from channels.layers import get_channel_layer

from accounts.payloads import user_payload
from core import events
from core.events import PRESENCE

from . import actions, db, frames, presence
from .presence import Presence
from .sockets import Socket

logger = logging.getLogger(__name__)

TICK = 1.0  # seconds between presence batches
SWEEP_EVERY = 30  # seconds between letting go of layer groups no local socket needs
FORGET_TYPING_EVERY = 10  # seconds between dropping the typing throttles that ran out
LAYER_RETRY_SECONDS = 1.0  # the reader waits this long after the channel layer failed
TYPING_INTERVAL = 3.0  # seconds: one `typing` frame per user and group at most this often

_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}
_hubs_lock = threading.Lock()


async def get_hub() -> Hub:
    """The running loop's hub, started on first use."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        for other in [other for other in _hubs if other.is_closed()]:
            del _hubs[other]
        hub = _hubs.get(loop)
        if hub is None:
            hub = _hubs[loop] = Hub(loop)
    await hub.start()
    return hub


async def close_hub() -> None:
    """Stop the running loop's hub and let go of its layer groups (tests; orderly shutdown)."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        hub = _hubs.pop(loop, None)
    if hub is not None:
        await hub.close()


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's event loop, when this thread runs sync code for it (a sync view under
    daphne or uvicorn: asgiref notes the loop it came from), and that loop is running."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    pid = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None)
    if loop is None or pid != os.getpid() or not loop.is_running():
        return None
    return loop


async def publish_from_server_loop(target: str, event: dict[str, Any]) -> None:
    """Publish through the loop's hub, started on first use: a process that serves only HTTP
    keeps one Redis connection for its events instead of one per event."""
    try:
        (await get_hub()).publish(target, event)
    except Exception:  # the channel layer may drop a ring; clients catch up from the database
        logger.exception("could not publish %s to %s", event.get("type"), target)


def publish_from_thread(target: str, event: dict[str, Any]) -> bool:
    """The publisher that chat hands to `core.events`: through this process's hub when there is
    a running one, or through the ASGI server's loop when a sync view runs for it (the hub is
    started there on first use). False elsewhere: the caller publishes itself."""
    if (hub := running_hub()) is not None:
        hub.publish_threadsafe(target, event)
        return True
    if (loop := server_loop()) is not None:  # a server process with no socket yet
        asyncio.run_coroutine_threadsafe(publish_from_server_loop(target, event), loop)
        return True
    return False


def running_hub() -> Hub | None:
    """A hub whose loop is running, for code in another thread that publishes."""
    with _hubs_lock:
        for loop, hub in _hubs.items():
            if loop.is_running() and hub.channel is not None:
                return hub
    return None


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.sockets: defaultdict[str, set[Socket]] = defaultdict(set)
        self._subscribed: set[str] = set()
        self._pending: dict[str, asyncio.Task] = {}  # layer group -> its group_add/discard
        self._starting: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._completions: dict[tuple[int, int, int], asyncio.Task] = {}
        self._typing: dict[tuple[int, int], float] = {}
        self.presence: Presence | None = None

    # --- Lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the hub's channel (once; again after a failure, e.g. Redis being away)."""
        if self.channel is not None:
            return
        if self._starting is None:
            self._starting = self.loop.create_task(self._start())
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        try:
            channel = await self.layer.new_channel()
        except BaseException:
            self._starting = None
            raise
        self.presence = Presence(self.publish)
        self._spawn(self._read(channel))
        self._spawn(self._tick())
        self.channel = channel

    async def close(self) -> None:
        tasks = [*self._tasks, *self._pending.values(), *self._completions.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for name in self._subscribed:
            await self.layer.group_discard(name, self.channel)
        if self.presence is not None:
            await self.presence.close()

    def _spawn(self, coroutine) -> asyncio.Task:
        task = self.loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _read(self, channel: str) -> None:
        while True:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub: the channel layer failed; retrying")
                await asyncio.sleep(LAYER_RETRY_SECONDS)
                continue
            try:
                self.dispatch(event)
            except Exception:
                logger.exception("hub: could not deliver %r", event.get("type"))

    async def _tick(self) -> None:
        ticks = 0
        while True:
            await asyncio.sleep(TICK)
            ticks += 1
            try:
                self.presence.tell_groups()
                if ticks % _in_ticks(presence.RENEW_EVERY) == 0:
                    await self.presence.renew()
                if ticks % _in_ticks(FORGET_TYPING_EVERY) == 0:
                    self._forget_typing()
                if ticks % _in_ticks(SWEEP_EVERY) == 0:
                    self._sweep()
            except Exception:
                logger.exception("hub: housekeeping failed")

    # --- Subscriptions ------------------------------------------------------------------------

    async def subscribe(self, sockets: Collection[Socket], names: list[str]) -> None:
        """Route these layer groups to the sockets; returns once the process is subscribed to
        all of them (raises if the layer cannot subscribe).

        Every socket is routed before the first wait: a socket that goes meanwhile lets go of
        what it was routed (its `unsubscribe`), and nothing routes it again afterwards."""
        for name in names:
            self.sockets[name].update(sockets)
        missing = [name for name in names if name not in self._subscribed]
        if missing:
            await asyncio.gather(*(self._ensure_subscribed(name) for name in missing))

    def unsubscribe(self, consumer: Socket, names: list[str]) -> None:
        for name in names:
            local = self.sockets.get(name)
            if local is not None:
                local.discard(consumer)
                if not local:
                    del self.sockets[name]

    async def _ensure_subscribed(self, name: str) -> None:
        while name not in self._subscribed:
            task = self._pending.get(name)
            if task is None:
                task = self._pending[name] = self.loop.create_task(self._group_add(name))
            await asyncio.shield(task)

    async def _group_add(self, name: str) -> None:
        try:
            await self.layer.group_add(name, self.channel)
            self._subscribed.add(name)
        finally:
            del self._pending[name]

    async def _group_discard(self, name: str) -> None:
        try:
            await self.layer.group_discard(name, self.channel)
        except Exception:
            logger.exception("hub: could not leave %s", name)
        finally:
            del self._pending[name]

    def _sweep(self) -> None:
        """Let go of the layer groups that no local socket has needed since the last sweep."""
        for name in [n for n in self._subscribed if n not in self.sockets]:
            if name not in self._pending:
                self._subscribed.discard(name)
                self._pending[name] = self.loop.create_task(self._group_discard(name))

    # --- Publishing ---------------------------------------------------------------------------

    def publish(self, target: str, event: dict[str, Any]) -> None:
        """Send an event to a layer group, from the hub's loop, without waiting for it.

        A new message reaches this process's own sockets at once, without the round trip
        through Redis (and while Redis is away); the layer's copy of it is then a duplicate
        that every socket's stream drops by its `seq`."""
        if event["type"] == events.MESSAGE_NEW:
            self.dispatch(event)
        self._spawn(self._group_send(target, event))

    def publish_threadsafe(self, target: str, event: dict[str, Any]) -> None:
        if _running_loop() is self.loop:
            self.publish(target, event)
        else:
            self.loop.call_soon_threadsafe(self.publish, target, event)

    async def _group_send(self, target: str, event: dict[str, Any]) -> None:
        try:
            await self.layer.group_send(target, event)
        except Exception as error:  # a lost ring: sockets complete from the database
            logger.warning("hub: could not publish %s to %s: %r", event["type"], target, error)

    def typing(self, *, user, group_id: int) -> None:
        """Tell the group's other members that the user is typing, at most every few seconds."""
        now = time.monotonic()
        key = (user.id, group_id)
        if now - self._typing.get(key, -TYPING_INTERVAL) < TYPING_INTERVAL:
            return
        self._typing[key] = now
        self.publish(
            events.group_channel(group_id),
            {"type": events.TYPING, "group": group_id, "user": user_payload(user)},
        )

    def _forget_typing(self) -> None:
        now = time.monotonic()
        self._typing = {k: t for k, t in self._typing.items() if now - t < TYPING_INTERVAL}

    # --- Delivery -----------------------------------------------------------------------------

    def dispatch(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind in (events.MESSAGE_NEW, events.MESSAGE_UPDATED):
            frame = frames.MessageFrame(kind, event["message"])
            for consumer in self.sockets.get(events.group_channel(frame.group_id), ()):
                consumer.message_frame(frame)
        elif kind in (events.TYPING, PRESENCE):
            group_id = event["group"]
            typist = event["user"]["id"] if kind == events.TYPING else None
            text = frames.encode(event)
            for consumer in self.sockets.get(events.group_channel(group_id), ()):
                if consumer.user_id != typist:
                    consumer.group_frame(group_id, text)
        elif kind == events.GROUP_ADDED:
            self._spawn(self._group_added(user_id=event["user"], group_id=event["group"]))
        elif kind == events.GROUP_REMOVED:
            for consumer in list(self.sockets.get(events.user_channel(event["user"]), ())):
                consumer.group_removed(event["group"])
        elif kind == events.CREDENTIALS_REVOKED:
            for consumer in list(self.sockets.get(events.user_channel(event["user"]), ())):
                identity = consumer.identity
                if identity is not None and identity.uses(
                    token_key=event["token_key"], session_key=event["session_key"]
                ):
                    consumer.close(frames.CLOSE_UNAUTHENTICATED)

    async def _group_added(self, *, user_id: int, group_id: int) -> None:
        """Subscribe the user's sockets to the group, then tell them (`group.added`)."""
        joining = [
            consumer
            for consumer in self.sockets.get(events.user_channel(user_id), ())
            if consumer.joining(group_id)
        ]
        if not joining:
            return
        name = events.group_channel(group_id)
        try:
            await self.subscribe(joining, [name])
            joined = await db.run(actions.joined_group, user_id=user_id, group_id=group_id)
        except Exception:
            logger.exception("hub: could not add group %s to the sockets of %s", group_id, user_id)
            for consumer in joining:
                consumer.close(frames.CLOSE_TRY_AGAIN)
            return
        for consumer in joining:
            consumer.joined(group_id, joined)

    async def messages(
        self, group_id: int, after_seq: int, upto_seq: int
    ) -> list[frames.MessageFrame]:
        """The group's messages after_seq < seq <= upto_seq as `message.new` frames; every
        socket that misses the same range shares one query."""
        key = (group_id, after_seq, upto_seq)
        task = self._completions.get(key)
        if task is None:
            task = self._completions[key] = self.loop.create_task(self._fetch(key))
        return await asyncio.shield(task)

    async def _fetch(self, key: tuple[int, int, int]) -> list[frames.MessageFrame]:
        group_id, after_seq, upto_seq = key
        try:
            payloads = await db.run(
                actions.messages_by_seq, group_id=group_id, after_seq=after_seq, upto_seq=upto_seq
            )
        finally:
            del self._completions[key]
        return [frames.MessageFrame(events.MESSAGE_NEW, payload) for payload in payloads]


def _in_ticks(seconds: float) -> int:
    return max(1, round(seconds / TICK))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
