"""Sockets that talk to real server processes (tests/servers.py) over TCP, with the helpers of
the in-process `Socket` (the `websockets` client)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chat.tests.frame_helpers import FrameHelpers

TIMEOUT = 10

needs_postgres_and_redis = pytest.mark.skipif(
    not (settings.REDIS_URL and connection.vendor == "postgresql"),
    reason="several server processes need a shared database and Redis: set DATABASE_URL to "
    "PostgreSQL and REDIS_URL (the embedded SQLite test database lives in this process only)",
)


class LiveSocket(FrameHelpers):
    """A client socket over TCP, with the helpers of the in-process `Socket`."""

    quiet_time = 0.5

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self.skip = {"presence"}

    @classmethod
    async def open(cls, url: str) -> LiveSocket:
        return cls(await connect(url, open_timeout=TIMEOUT, ping_interval=None))

    async def send(self, frame: dict) -> None:
        await self.websocket.send(json.dumps(frame))

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            text = await asyncio.wait_for(self.websocket.recv(), deadline - time.monotonic())
            frame = json.loads(text)
            if frame["type"] not in self.skip:
                return frame

    async def close(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.websocket.close()
