"""Bad frames and floods: an error frame with a code, and the socket stays open and usable."""

import logging

import pytest

from chat import actions, db, frames


@pytest.mark.parametrize(
    "text",
    ["not json", "[1, 2]", '"type"', "{}", '{"type": 5}', "{'type': 'ping'}", ""],
    ids=["text", "array", "string", "no-type", "type-number", "single-quotes", "empty"],
)
async def test_a_frame_that_is_not_a_json_object_with_a_type_is_an_error(connect, user, text):
    # given
    socket = await connect(user)

    # when
    await socket.send_text(text)

    # then
    assert (await socket.receive())["code"] == frames.INVALID_JSON
    assert await socket.ping() == []


async def test_a_binary_frame_is_an_error(connect, user):
    # given
    socket = await connect(user)

    # when
    await socket.communicator.send_to(bytes_data=b'{"type": "ping"}')

    # then
    assert (await socket.receive())["code"] == frames.INVALID_JSON
    assert await socket.ping() == []


async def test_an_unknown_type_is_an_error(connect, user):
    # given
    socket = await connect(user)

    # when
    await socket.send({"type": "message.destroy"})

    # then
    assert (await socket.receive())["code"] == frames.UNKNOWN_TYPE
    assert await socket.ping() == []


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte"])
async def test_a_frame_over_64_kib_is_an_error(connect, user, settings, char):
    # given: a frame one byte over the limit
    limit = settings.WEBSOCKET_MAX_FRAME_BYTES
    padding = (limit - len('{"type":"ping","pad":""}')) // len(char.encode()) + 1
    text = '{"type":"ping","pad":"%s"}' % (char * padding)
    socket = await connect(user)

    # when
    await socket.send_text(text)

    # then
    assert len(text.encode()) > limit
    assert (await socket.receive())["code"] == frames.TOO_LARGE
    assert await socket.ping() == []


async def test_a_frame_of_exactly_64_kib_is_accepted(connect, user, settings):
    # given
    limit = settings.WEBSOCKET_MAX_FRAME_BYTES
    text = '{"type":"ping","pad":"%s"}' % ("x" * (limit - len('{"type":"ping","pad":""}')))
    socket = await connect(user)

    # when
    await socket.send_text(text)

    # then
    assert len(text.encode()) == limit
    assert await socket.receive() == {"type": "pong"}


async def test_an_unexpected_failure_is_an_error_frame_and_logged_without_the_frames_text(
    connect, make_user, make_group, monkeypatch, caplog
):
    # given: the send breaks in a way nobody planned for, on a body that is a secret
    member = await db.run(make_user)
    group = await db.run(make_group, members=[member])

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(actions, "send", broken)
    socket = await connect(member)

    # when
    with caplog.at_level(logging.DEBUG):
        await socket.send(
            {"type": "message.send", "group": group.id, "body": "hunter2-secret", "client_id": "c"}
        )
        error = await socket.receive()

    # then
    assert error == {
        "type": "error",
        "code": frames.SERVER_ERROR,
        "detail": frames.UNEXPECTED,
        "client_id": "c",
    }
    assert "boom" in caplog.text
    assert "message.send" in caplog.text  # the log says which frame, never what it said
    assert "hunter2-secret" not in caplog.text
    assert await socket.ping() == []


async def test_a_lone_surrogate_is_invalid_and_the_socket_stays_usable(connect, user):
    # given
    socket = await connect(user)

    # when
    await socket.send_text('{"type":"message.send","group":1,"body":"hi","client_id":"\\ud800"}')

    # then
    assert (await socket.receive())["code"] == frames.INVALID
    assert await socket.ping() == []


async def test_a_ping_is_answered_during_a_flood(connect, user, frame_rate):
    # given: a burst spent
    socket = await connect(user)
    for _ in range(5):
        await socket.send({"type": "typing", "group": 0})

    # when
    await socket.send({"type": "ping"})

    # then: the refusals of the burst, then a pong (pings are outside the frame budget)
    assert [(await socket.receive())["code"] for _ in range(5)] == [frames.NOT_A_MEMBER] * 5
    assert await socket.receive() == {"type": "pong"}


async def test_websocket_sends_share_the_users_write_budget_with_rest(
    connect, make_user, make_group, settings, make_api_client
):
    # given: 2 writes a minute, one spent through REST
    settings.RATE_LIMITS_ENABLED = True
    settings.WEBSOCKET_FRAMES_PER_SECOND = 1000
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "writes": "2/min"}
    member = await db.run(make_user)
    group = await db.run(make_group, members=[member])
    client = await db.run(make_api_client, member)
    response = await db.run(
        client.post, f"/api/v1/groups/{group.id}/messages/", {"body": "rest"}, format="json"
    )
    assert response.status_code == 201
    socket = await connect(member)

    # when
    for n in (1, 2):
        await socket.send(
            {"type": "message.send", "group": group.id, "body": f"ws {n}", "client_id": f"w{n}"}
        )

    # then
    _, ack = await socket.receive_until("message.ack")
    _, refused = await socket.receive_until("error")
    assert ack["client_id"] == "w1"
    assert (refused["code"], refused["client_id"]) == (frames.RATE_LIMITED, "w2")


@pytest.fixture
def frame_rate(settings):
    """Rate limits on: a burst of 5 frames, refilled at 1 frame per second."""
    settings.RATE_LIMITS_ENABLED = True
    settings.WEBSOCKET_FRAME_BURST = 5
    settings.WEBSOCKET_FRAMES_PER_SECOND = 1


async def test_frames_beyond_the_rate_are_refused_with_rate_limited(connect, user, frame_rate):
    # given
    socket = await connect(user)

    # when: a burst and one more
    for _ in range(5):
        await socket.send({"type": "presence.get", "group": 0})
    await socket.send({"type": "message.send", "group": 1, "body": "x", "client_id": "c7"})

    # then
    assert [(await socket.receive())["code"] for _ in range(5)] == [frames.NOT_A_MEMBER] * 5
    assert await socket.receive() == {
        "type": "error",
        "code": frames.RATE_LIMITED,
        "detail": frames.SLOW_DOWN,
        "client_id": "c7",
    }


async def test_a_client_that_keeps_flooding_is_closed_and_others_are_served(
    connect, user, make_user, frame_rate
):
    # given
    flooder, bystander = await connect(user), await connect(await db.run(make_user))

    # when: far more than a burst of refusals
    for _ in range(50):
        await flooder.send({"type": "typing", "group": 0})

    # then
    assert await flooder.closed_with() == frames.CLOSE_FLOOD
    assert await bystander.ping() == []
