"""The handshake: credentials, Origin, and the subscription that is in place once accepted."""

import pytest

from chat import db, frames
from messaging.services import send_message


async def test_token_connection_is_accepted_without_origin(connect, user):
    # given / when
    socket = await connect(user, origin=None)

    # then
    assert await socket.ping() == []


async def test_cookie_connection_with_allowed_origin_is_accepted(connect, user):
    # given / when
    socket = await connect(user, via="cookie", origin="http://localhost:8000")

    # then
    assert await socket.ping() == []


@pytest.mark.parametrize("via", ["token", "cookie"])
async def test_foreign_origin_is_refused_before_accept(connect, user, via):
    # given / when
    _, answer = await connect(user, via=via, origin="http://evil.example", accepted=False)

    # then: a close before accept, which the server answers with HTTP 403
    assert answer[0] is False


@pytest.mark.parametrize("origin", [None, "null", "file://", "localhost"])
async def test_cookie_connection_without_a_proper_origin_is_refused(connect, user, origin):
    # given / when
    _, answer = await connect(user, via="cookie", origin=origin, accepted=False)

    # then
    assert answer[0] is False


@pytest.mark.parametrize(
    "options",
    [{"via": "token", "token": "0" * 40}, {"via": "cookie-less"}, {"via": "token", "token": ""}],
    ids=["unknown-token", "no-credentials", "empty-token"],
)
async def test_bad_credentials_are_accepted_then_closed_with_4401(connect, options):
    # given / when
    communicator, answer = await connect(None, accepted=False, **options)

    # then
    assert answer == (True, None)
    assert (await communicator.receive_output(5))["code"] == frames.CLOSE_UNAUTHENTICATED


async def test_inactive_user_is_closed_with_4401(connect, make_user):
    # given
    user = await db.run(make_user, is_active=False)

    # when
    communicator, answer = await connect(user, accepted=False)

    # then
    assert answer == (True, None)
    assert (await communicator.receive_output(5))["code"] == frames.CLOSE_UNAUTHENTICATED


async def test_message_committed_after_the_handshake_is_delivered(connect, make_user, make_group):
    # given
    reader, sender = await db.run(make_user), await db.run(make_user)
    group = await db.run(make_group, members=[reader, sender])
    socket = await connect(reader)

    # when: sent at once, before any client frame
    message, _ = await db.run(send_message, sender=sender, group_id=group.id, body="hi")

    # then
    frame = await socket.receive()
    assert frame["type"] == "message.new"
    assert frame["message"]["id"] == message.id
    assert frame["message"]["body"] == "hi"
