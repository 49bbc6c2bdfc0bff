"""The process's side of the channel layer: one hub per event loop (chat/loops.py finds it).

The Channels tutorial gives every socket a channel of the layer and a dispatch per event; the
layer's per-channel work then costs far more than writing to the sockets. Here the hub owns ONE
channel, subscribed to the layer groups its local sockets need (chat/subscriptions.py), and one
reader task fans each event out in-process: a frame is encoded to JSON once per process, then
handed to every local socket of that group (reactions' `me` makes a per-viewer variant only for
viewers who reacted). Sockets are held through the `Socket` protocol (chat/sockets.py).

The hub composes the parts and runs their tasks: the reader, and a tick that tells presence
changes (chat/presence.py) and does each part's housekeeping at its interval. The parts:
`subscriptions`, `completions` (the sockets' shared reads of missing messages,
chat/completion.py), `typists` (the typing throttle, chat/typists.py), `presence`; membership
changes are chat/membership.py. It publishes for the sockets and for code in other threads of
the process (`publish_threadsafe`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any, cast

from channels.layers import BaseChannelLayer, get_channel_layer

from core import events
from core.events import PRESENCE

from . import actions, db, frames, membership, presence, subscriptions, typists
from .completion import Completions
from .presence import Presence
from .subscriptions import Subscriptions
from .typists import Typists

logger = logging.getLogger(__name__)

TICK = 1.0  # seconds between presence batches, and the unit of the other housekeeping
LAYER_RETRY_SECONDS = 1.0  # the reader waits this long after the channel layer failed
PROBE = "hub.probe"  # the event the hub sends itself to learn that the layer is there
PROBE_EVERY = TICK  # seconds between probes...
PROBE_EVERY_WHILE_AWAY = 0.2  # ...and while the layer is away, to notice its return at once
PROBE_PATIENCE = 2.0  # a probe not back after this long: the layer lost events


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # Never None: config.settings always configures CHANNEL_LAYERS["default"].
        self.layer = cast(BaseChannelLayer, get_channel_layer())
        self.channel: str | None = None
        self.subscriptions = Subscriptions(self.layer, loop)
        self.sockets = self.subscriptions.sockets  # layer group -> its local sockets
        self.completions = Completions(loop)
        self.typists = Typists(self.publish)
        self.presence: Presence | None = None
        self._starting: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._probe_sent: float | None = None  # when the probe under way left
        self._layer_lost = False  # events may have been lost since the last probe came back

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
        self.subscriptions.channel = channel
        self.presence = Presence(self.publish)
        self._spawn(self._read(channel))
        self._spawn(self._tick())
        self._spawn(self._watch_layer())
        self.channel = channel

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.completions.close()
        await self.subscriptions.close()
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
        """Every TICK: tell the presence changes; every so many ticks, each part's upkeep."""
        assert self.presence is not None
        jobs: list[tuple[float, Callable[[], Any]]] = [
            (TICK, self.presence.tell_groups),
            (presence.RENEW_EVERY, self.presence.renew),
            (typists.FORGET_EVERY, self.typists.forget),
            (subscriptions.SWEEP_EVERY, self.subscriptions.sweep),
        ]
        schedule = [(max(1, round(seconds / TICK)), job) for seconds, job in jobs]
        ticks = 0
        while True:
            await asyncio.sleep(TICK)
            ticks += 1
            for every, job in schedule:
                if ticks % every == 0:
                    try:
                        if inspect.isawaitable(done := job()):
                            await done
                    except Exception:
                        logger.exception("hub: housekeeping failed")

    # --- The layer's health ---------------------------------------------------------------------

    async def _watch_layer(self) -> None:
        while True:
            await asyncio.sleep(PROBE_EVERY_WHILE_AWAY if self._layer_lost else PROBE_EVERY)
            await self._probe()

    async def _probe(self) -> None:
        """Send the hub's own channel a probe. One that cannot be sent, or is not back within
        PROBE_PATIENCE, means the layer (Redis) was away: events published meanwhile are lost
        for good (a layer promises at most once), so when a probe comes back again the sockets
        are completed from the database (`_layer_back`)."""
        now = self.loop.time()
        if self._probe_sent is not None and not self._layer_lost:
            if now - self._probe_sent < PROBE_PATIENCE:
                return
            self._lost("a probe did not come back")
        self._probe_sent = now
        assert self.channel is not None  # the watch starts once the channel is open
        try:
            await self.layer.send(self.channel, {"type": PROBE})
        except Exception as error:
            self._probe_sent = None
            self._lost(repr(error))

    def _lost(self, why: str) -> None:
        if not self._layer_lost:
            logger.warning("hub: the channel layer is away (%s); events may be lost", why)
        self._layer_lost = True

    def _probe_back(self) -> None:
        self._probe_sent = None
        if self._layer_lost:
            self._layer_lost = False
            logger.warning("hub: the channel layer is back; completing from the database")
            self._spawn(self._layer_back())

    async def _layer_back(self) -> None:
        """Hand every local socket the last message of each of its groups, as if it had just
        arrived: a stream that has it drops it, one that misses messages before it completes
        the gap from the database (chat/streams.py), as after any lost event."""
        group_ids = [
            group_id for name in self.sockets if (group_id := events.group_of_channel(name))
        ]
        if not group_ids:
            return
        try:
            payloads = await db.run(actions.last_messages, group_ids=group_ids)
        except Exception:
            logger.exception("hub: could not read the groups' last messages")
            self._layer_lost = True  # the next probe back tries again
            return
        for payload in payloads:
            self.dispatch({"type": events.MESSAGE_NEW, "message": payload})

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

    # --- Delivery -----------------------------------------------------------------------------

    def dispatch(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == PROBE:
            self._probe_back()
        elif kind in (events.MESSAGE_NEW, events.MESSAGE_UPDATED):
            frame = frames.MessageFrame(kind, event["message"])
            for socket in self.sockets.get(events.group_channel(frame.group_id), ()):
                socket.message_frame(frame)
        elif kind in (events.TYPING, PRESENCE):
            group_id = event["group"]
            typist = event["user"]["id"] if kind == events.TYPING else None
            text = frames.encode(event)
            for socket in self.sockets.get(events.group_channel(group_id), ()):
                if socket.user_id != typist:
                    socket.group_frame(group_id, text)
        elif kind == events.NOTIFICATION_NEW:
            text = frames.encode({"type": kind, "notification": event["notification"]})
            for socket in self.sockets.get(events.user_channel(event["user"]), ()):
                socket.user_frame(text)
        elif kind == events.GROUP_ADDED:
            self._spawn(
                membership.group_added(
                    self.subscriptions, user_id=event["user"], group_id=event["group"]
                )
            )
        elif kind == events.GROUP_REMOVED:
            membership.group_removed(self.sockets, user_id=event["user"], group_id=event["group"])
        elif kind == events.CREDENTIALS_REVOKED:
            membership.credentials_revoked(
                self.sockets,
                user_id=event["user"],
                token_key=event["token_key"],
                session_key=event["session_key"],
            )


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
