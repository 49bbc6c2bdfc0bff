"""What the test sockets (in-process and over TCP) share: waiting for frames by type."""

from __future__ import annotations

TIMEOUT = 5


class FrameHelpers:
    """Built on the socket's own `send(frame)` and `receive(timeout)` (TimeoutError without a
    frame; its default timeout is the socket's); `skip` holds frame types to pass over, and
    `quiet_time` is how long `nothing()` listens."""

    skip: set[str]
    quiet_time = 0.3

    async def send(self, frame: dict) -> None:
        raise NotImplementedError

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        raise NotImplementedError

    async def receive_until(
        self, kind: str, timeout: float | None = None
    ) -> tuple[list[dict], dict]:
        """Frames up to the first of type `kind`: (those before it, it)."""
        before = []
        while (frame := await self._receive(timeout))["type"] != kind:
            before.append(frame)
        return before, frame

    async def nothing(self, timeout: float | None = None) -> bool:
        """Whether no frame (but skipped ones) arrives within the timeout."""
        try:
            frame = await self.receive(timeout or self.quiet_time)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected frame: {frame}")

    async def _receive(self, timeout: float | None) -> dict:
        return await (self.receive() if timeout is None else self.receive(timeout))

    async def ping(self) -> list[dict]:
        """Send a ping; every frame that arrived before the pong."""
        await self.send({"type": "ping"})
        before, _ = await self.receive_until("pong")
        return before
