"""Who is typing: a `typing` event per user and group at most every TYPING_INTERVAL seconds
from this process. Keystrokes in between carry no news and are dropped."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from accounts.payloads import user_payload
from core import events

TYPING_INTERVAL = 3.0  # seconds: one `typing` frame per user and group at most this often
FORGET_EVERY = 10  # seconds between dropping the throttles that ran out (on the hub's tick)


class Typists:
    def __init__(self, publish: Callable[[str, dict[str, Any]], None]) -> None:
        self.publish = publish
        self._last: dict[tuple[int, int], float] = {}  # (user, group) -> when it was told

    def typing(self, *, user, group_id: int) -> None:
        """Tell the group's other members that the user is typing, at most every few seconds."""
        now = time.monotonic()
        key = (user.id, group_id)
        if now - self._last.get(key, -TYPING_INTERVAL) < TYPING_INTERVAL:
            return
        self._last[key] = now
        self.publish(
            events.group_channel(group_id),
            {"type": events.TYPING, "group": group_id, "user": user_payload(user)},
        )

    def forget(self) -> None:
        now = time.monotonic()
        self._last = {k: t for k, t in self._last.items() if now - t < TYPING_INTERVAL}
