"""A socket without a client, for driving the hub in unit tests: it implements the `Socket`
protocol (chat/sockets.py) as the consumer does, and records what the hub hands it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from chat.frames import MessageFrame
from chat.handshake import Identity
from core import events


class FakeSocket:
    def __init__(
        self,
        user_id: int,
        groups: tuple[int, ...] = (),
        *,
        token_key: str | None = None,
        session_key: str | None = None,
    ) -> None:
        self.user_id = user_id
        self.identity = Identity(
            user=SimpleNamespace(id=user_id),
            token_key=token_key,
            session_key=session_key,
            groups=dict.fromkeys(groups, 0),
        )
        self.groups = set(groups)  # the groups it carries (the consumer's streams)
        self.received: list[tuple[Any, ...]] = []  # what the hub handed over, in order
        self.closed_with: int | None = None
        self.hub: Any = None

    # --- What the consumer does around the hub ------------------------------------------------

    def layer_groups(self) -> list[str]:
        return [events.user_channel(self.user_id)] + [
            events.group_channel(group_id) for group_id in self.groups
        ]

    async def connect(self, hub) -> FakeSocket:
        self.hub = hub
        await hub.subscriptions.subscribe((self,), self.layer_groups())
        return self

    def disconnect(self) -> None:
        """The client went away: the consumer lets go of every group it carries."""
        self.closed_with = self.closed_with or 1000
        self.hub.subscriptions.unsubscribe(self, self.layer_groups())

    # --- The Socket protocol ------------------------------------------------------------------

    def message_frame(self, frame: MessageFrame) -> None:
        self.received.append((frame.kind, frame))

    def group_frame(self, group_id: int, text: str) -> None:
        if group_id in self.groups:
            self.received.append(("group", group_id, text))

    def user_frame(self, text: str) -> None:
        self.received.append(("user", text))

    def joining(self, group_id: int) -> bool:
        if group_id in self.groups or self.closed_with is not None:
            return False
        self.groups.add(group_id)
        return True

    def joined(self, group_id: int, joined: tuple[dict[str, Any], int] | None) -> None:
        if group_id in self.groups:
            self.received.append(("joined", group_id, joined))

    def group_removed(self, group_id: int) -> None:
        if group_id in self.groups:
            self.groups.discard(group_id)
            self.hub.subscriptions.unsubscribe(self, [events.group_channel(group_id)])
            self.received.append(("removed", group_id))

    def close(self, code: int) -> None:
        if self.closed_with is None:
            self.closed_with = code


async def eventually(condition: Callable[[], bool], timeout: float = 5) -> None:
    """Wait until the condition holds (AssertionError after the timeout)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the condition never held"
        await asyncio.sleep(0.005)
