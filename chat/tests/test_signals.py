"""typing, read, ping and presence."""

from types import SimpleNamespace

import pytest

from chat import db, frames, hub
from groups.models import Membership
from messaging.services import send_message


@pytest.fixture
def trio(make_user, make_group):
    typist, other, outsider = make_user(), make_user(), make_user()
    group = make_group(members=[typist, other])
    return SimpleNamespace(group=group, typist=typist, other=other, outsider=outsider)


async def test_typing_reaches_other_members_but_none_of_the_typists_sockets(connect, trio):
    # given: the typist has two sockets
    typing_socket, second_socket = await connect(trio.typist), await connect(trio.typist)
    other = await connect(trio.other)
    for socket in (typing_socket, second_socket, other):
        await socket.ping()

    # when
    await typing_socket.send({"type": "typing", "group": trio.group.id})

    # then
    frame = await other.receive()
    assert frame == {
        "type": "typing",
        "group": trio.group.id,
        "user": {
            "id": trio.typist.id,
            "username": trio.typist.username,
            "display_name": trio.typist.display_name,
        },
    }
    assert await typing_socket.nothing()
    assert await second_socket.nothing()


async def test_typing_is_throttled_per_user_and_group(connect, trio):
    # given
    typist, other = await connect(trio.typist), await connect(trio.other)
    await other.ping()

    # when: three keystrokes within the interval
    for _ in range(3):
        await typist.send({"type": "typing", "group": trio.group.id})
    await typist.ping()

    # then
    assert (await other.receive())["type"] == "typing"
    assert await other.nothing(hub.TICK)


@pytest.mark.parametrize(
    "frame",
    [{"type": "typing", "group": "x"}, {"type": "read", "group": 1, "message_id": "2"}],
    ids=["typing", "read"],
)
async def test_wrong_field_types_are_errors(connect, trio, frame):
    # given
    socket = await connect(trio.typist)

    # when
    await socket.send(frame)

    # then
    assert (await socket.receive())["code"] == frames.INVALID


@pytest.mark.parametrize("kind", ["typing", "read", "presence.get"])
async def test_frames_about_a_group_you_are_not_in_are_refused(connect, trio, kind):
    # given
    socket = await connect(trio.outsider)

    # when
    await socket.send({"type": kind, "group": trio.group.id, "message_id": 1})

    # then
    assert (await socket.receive())["code"] == frames.NOT_A_MEMBER


async def test_read_moves_the_read_marker(connect, trio):
    # given
    message, _ = await db.run(
        send_message, sender=trio.typist, group_id=trio.group.id, body="read me"
    )
    socket = await connect(trio.other)

    # when: frames are handled in order, so the pong follows the read
    await socket.send({"type": "read", "group": trio.group.id, "message_id": message.id})
    await socket.ping()

    # then
    membership = await db.run(Membership.objects.get, user=trio.other, group=trio.group)
    assert membership.last_read_id == message.id


async def test_read_of_a_message_of_another_group_is_an_error(connect, trio, make_group):
    # given
    elsewhere = await db.run(make_group, owner=trio.other)
    message, _ = await db.run(send_message, sender=trio.other, group_id=elsewhere.id, body="x")
    socket = await connect(trio.other)

    # when
    await socket.send({"type": "read", "group": trio.group.id, "message_id": message.id})

    # then
    assert (await socket.receive())["code"] == frames.INVALID


async def test_ping_is_answered_by_pong(connect, trio):
    # given
    socket = await connect(trio.typist)

    # when
    await socket.send({"type": "ping"})

    # then
    assert await socket.receive() == {"type": "pong"}


async def test_presence_tells_the_group_who_came_and_who_left(connect, trio):
    # given: the watcher's own arrival has been told
    watcher = await connect(trio.other)
    watcher.skip = set()
    assert (await watcher.receive(timeout=3 * hub.TICK))["online"] == [trio.other.id]

    # when
    arriving = await connect(trio.typist)
    came = await watcher.receive(timeout=3 * hub.TICK)
    await arriving.communicator.disconnect()
    left = await watcher.receive(timeout=3 * hub.TICK)

    # then
    group = trio.group.id
    assert came == {"type": "presence", "group": group, "online": [trio.typist.id], "offline": []}
    assert left == {"type": "presence", "group": group, "online": [], "offline": [trio.typist.id]}


async def test_presence_stays_online_while_a_second_socket_is_open(connect, trio):
    # given
    watcher = await connect(trio.other)
    first, second = await connect(trio.typist), await connect(trio.typist)
    await watcher.nothing(2 * hub.TICK)  # the arrivals are told, and skipped
    watcher.skip = set()

    # when
    await first.communicator.disconnect()

    # then
    assert await watcher.nothing(2 * hub.TICK)
    assert await second.ping() == []


async def test_presence_get_answers_the_members_online_now(connect, trio):
    # given
    watcher = await connect(trio.other)
    await connect(trio.typist)

    # when
    await watcher.send({"type": "presence.get", "group": trio.group.id})

    # then
    _, state = await watcher.receive_until("presence.state")
    assert state == {
        "type": "presence.state",
        "group": trio.group.id,
        "online": sorted([trio.typist.id, trio.other.id]),
    }
