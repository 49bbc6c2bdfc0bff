"""Per-connection frame rate: a token bucket of `WEBSOCKET_FRAME_BURST` frames refilled at
`WEBSOCKET_FRAMES_PER_SECOND`. A frame beyond it is refused with an `error` frame; a client
that keeps sending through a whole burst of refusals is closed (CLOSE_FLOOD). Off with
DJANGO_RATE_LIMITS=off."""

from __future__ import annotations

import time

from django.conf import settings


class FrameRate:
    __slots__ = ("rate", "burst", "tokens", "stamp", "refused")

    def __init__(self) -> None:
        self.rate = settings.WEBSOCKET_FRAMES_PER_SECOND if settings.RATE_LIMITS_ENABLED else 0
        self.burst = settings.WEBSOCKET_FRAME_BURST
        self.tokens = float(self.burst)
        self.stamp = time.monotonic()
        self.refused = 0  # refusals since the last allowed frame

    def allow(self) -> bool:
        if not self.rate:
            return True
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused = 0
            return True
        self.refused += 1
        return False

    def flooding(self) -> bool:
        return self.refused > self.burst
