"""The consumer's connection: a write that fails ends the socket with a close, never a socket
left open that ignores every later frame."""

from chat import frames
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
