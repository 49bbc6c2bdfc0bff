"""The consumer's connection: a write that fails ends the socket with a close, never a socket
left open that ignores every later frame."""

import asyncio
import threading

from rest_framework.authtoken.models import Token

from chat import db, frames, handshake
from config.asgi import application


def _failing_writes_of(marker: str):
    """The site behind a server that cannot write frames holding `marker` (as daphne cannot
    encode text that is not valid Unicode)."""

    async def app(scope, receive, send):
        async def send_or_fail(message):
            if message["type"] == "websocket.send" and marker in message.get("text", ""):
                raise UnicodeEncodeError("utf-8", marker, 0, 1, "surrogates not allowed")
            await send(message)

        await application(scope, receive, send_or_fail)

    return app


async def test_a_failed_write_closes_the_socket_with_1011(connect, user):
    # given
    socket = await connect(user, app=_failing_writes_of("pong"))

    # when: the answer to a ping cannot be written
    await socket.send({"type": "ping"})

    # then
    assert await socket.closed_with() == frames.CLOSE_SERVER_ERROR


async def test_a_handshake_beyond_the_ones_under_way_is_shed_with_4013(
    connect, make_user, settings, monkeypatch
):
    # given: a process that takes one handshake at a time, busy with one
    settings.WEBSOCKET_MAX_CONNECTING = 1
    first, second = await db.run(make_user), await db.run(make_user)
    tokens = [(await db.run(Token.objects.get_or_create, user=u))[0].key for u in (first, second)]
    release = threading.Event()
    identify = handshake.identify

    def slow_identify(scope):
        release.wait(10)
        return identify(scope)

    monkeypatch.setattr(handshake, "identify", slow_identify)
    busy = asyncio.ensure_future(connect(first, token=tokens[0]))
    await asyncio.sleep(0.1)

    # when
    communicator, answer = await connect(second, token=tokens[1], accepted=False)

    # then: the second is closed at once with 4013; the first gets through
    assert answer == (True, None)
    assert (await communicator.receive_output(1))["code"] == frames.CLOSE_TRY_AGAIN
    release.set()
    assert await (await busy).ping() == []
