"""Websocket test helpers: sockets on the real ASGI application (config.asgi), over the
configured channel layer and database, through Channels' WebsocketCommunicator."""

from __future__ import annotations

import json
import time

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.authtoken.models import Token

from chat import db
from chat.loops import close_hub, get_hub
from chat.tests.frame_helpers import TIMEOUT, FrameHelpers
from config.asgi import application

ORIGIN = "http://localhost"


class Socket(FrameHelpers):
    """A client socket: JSON frames in and out, with timeouts instead of hangs. Presence frames
    come and go with every socket of a group's members: they are skipped unless asked for."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.skip = {"presence"}

    async def send(self, frame: dict) -> None:
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def send_text(self, text: str) -> None:
        await self.communicator.send_input({"type": "websocket.receive", "text": text})

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        """The next frame (but skipped ones); TimeoutError without one. (A timeout of
        `receive_output` would cancel the application, so this polls.)"""
        deadline = time.monotonic() + timeout
        while True:
            if await self.communicator.receive_nothing(max(deadline - time.monotonic(), 0)):
                raise TimeoutError
            output = await self.communicator.receive_output()
            assert output["type"] == "websocket.send", output
            frame = json.loads(output["text"])
            if frame["type"] not in self.skip:
                return frame

    async def closed_with(self, timeout: float = TIMEOUT) -> int | None:
        while True:
            output = await self.communicator.receive_output(timeout)
            if output["type"] == "websocket.close":
                return output.get("code")

    async def close(self) -> None:
        if not self.communicator.future.done():
            await self.communicator.disconnect()


def _token(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
async def connect(transactional_db):
    """`await connect(user)` opens an accepted socket on the user's token with an allowed
    Origin; `await connect(user, accepted=False, ...)` returns the communicator and the
    handshake's answer instead. `via="cookie"` uses a session cookie (a new session unless
    `cookie` gives its key). `app` puts something between the socket and the site."""
    communicators: list[WebsocketCommunicator] = []

    async def open_socket(
        user=None,
        *,
        via: str = "token",
        origin: str | None = ORIGIN,
        token: str | None = None,
        cookie: str | None = None,
        accepted: bool = True,
        app=application,
    ):
        path, headers = "/ws/", []
        if via == "token":
            path += f"?token={await db.run(_token, user) if token is None else token}"
        elif via == "cookie":
            cookie = cookie or await db.run(_session_cookie, user)
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        communicator = WebsocketCommunicator(app, path, headers=headers)
        communicators.append(communicator)
        answer = await communicator.connect(timeout=TIMEOUT)
        if not accepted:
            return communicator, answer
        assert answer == (True, None), answer
        return Socket(communicator)

    yield open_socket
    for communicator in communicators:
        if not communicator.future.done():
            await communicator.disconnect()
    await close_hub()
    await get_channel_layer().flush()


@pytest.fixture
async def hub():
    """This test's event loop's hub, on the configured channel layer, for driving it with
    doubles (chat/tests/doubles.py) instead of sockets."""
    yield await get_hub()
    await close_hub()
    await get_channel_layer().flush()


@pytest.fixture(scope="session", autouse=True)
def _close_pool_connections(django_db_setup):
    """The sockets' thread pool keeps database connections: close them before the test
    database is dropped."""
    yield
    db.close_connections()
