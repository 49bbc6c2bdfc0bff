"""Which layer groups the hub's channel is in, and which local sockets each one feeds.

The process holds ONE channel of the layer (the hub's), not one per socket. It is subscribed to
the `group.<id>` / `user.<id>` layer groups its local sockets need, and `sockets` maps each of
those to the sockets to hand its events to. A layer group no local socket needs any more is
let go at the next sweep (every SWEEP_EVERY seconds, on the hub's tick): a socket that comes
back soon, or the next one of the same group, finds it still subscribed.

One group_add or group_discard per layer group is under way at a time; callers that need the
same layer group wait for the same one.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from .sockets import Socket

logger = logging.getLogger(__name__)

SWEEP_EVERY = 30  # seconds between letting go of layer groups no local socket needs


class Subscriptions:
    def __init__(self, layer: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.layer = layer
        self.loop = loop
        self.channel: str | None = None  # the hub's channel, once it is open
        self.sockets: defaultdict[str, set[Socket]] = defaultdict(set)
        self._subscribed: set[str] = set()
        self._pending: dict[str, asyncio.Task] = {}  # layer group -> its group_add/discard

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

    def unsubscribe(self, socket: Socket, names: list[str]) -> None:
        for name in names:
            local = self.sockets.get(name)
            if local is not None:
                local.discard(socket)
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

    def sweep(self) -> None:
        """Let go of the layer groups that no local socket has needed since the last sweep."""
        for name in [n for n in self._subscribed if n not in self.sockets]:
            if name not in self._pending:
                self._subscribed.discard(name)
                self._pending[name] = self.loop.create_task(self._group_discard(name))

    async def close(self) -> None:
        """Stop what is under way and leave every layer group (the hub is closing)."""
        tasks = list(self._pending.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for name in self._subscribed:
            await self.layer.group_discard(name, self.channel)
