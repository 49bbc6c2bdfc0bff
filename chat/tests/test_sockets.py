"""The Socket protocol: the real consumer and the tests' double both are sockets, with the
protocol's signatures (mypy checks the same through the annotated assignments below)."""

import inspect
import typing

import pytest

from chat import frames, handshake
from chat.consumers import ChatConsumer
from chat.sockets import Socket
from chat.tests.doubles import FakeSocket

MEMBERS = sorted(name for name in vars(Socket) if not name.startswith("_"))
METHODS = [name for name in MEMBERS if inspect.isfunction(vars(Socket)[name])]
NAMES = {"MessageFrame": frames.MessageFrame, "Identity": handshake.Identity}


async def _send(message) -> None:
    return None


def _consumer() -> Socket:
    consumer: Socket = ChatConsumer({"type": "websocket", "path": "/ws/"}, _send)
    return consumer


def _double() -> Socket:
    double: Socket = FakeSocket(user_id=1)
    return double


def test_the_protocol_is_what_the_hub_calls():
    assert MEMBERS == [
        "close",
        "group_frame",
        "group_removed",
        "identity",
        "joined",
        "joining",
        "message_frame",
        "user_frame",
        "user_id",
    ]


@pytest.mark.parametrize("make", [_consumer, _double], ids=["consumer", "double"])
def test_is_a_socket(make):
    assert isinstance(make(), Socket)


@pytest.mark.parametrize("cls", [ChatConsumer, FakeSocket], ids=["consumer", "double"])
@pytest.mark.parametrize("name", METHODS)
def test_has_the_protocols_signature(cls, name):
    expected, actual = getattr(Socket, name), getattr(cls, name)
    assert inspect.signature(actual).parameters.keys() == (
        inspect.signature(expected).parameters.keys()
    )
    assert typing.get_type_hints(actual) == typing.get_type_hints(expected, localns=NAMES)
