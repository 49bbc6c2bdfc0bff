"""Two real server processes (daphne) on one Redis and the test database: what a socket on one
sees of what happens through the other."""

from types import SimpleNamespace

import aiohttp
import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from chat import db, frames
from groups import services as groups
from tests.servers import HOST, Servers

from .live import LiveSocket, needs_postgres_and_redis

pytestmark = [pytest.mark.slow, needs_postgres_and_redis]


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker):

    running = Servers(2, redis_url=settings.REDIS_URL)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def cast(transactional_db, make_user, make_group):
    alice, bob, carol = make_user(), make_user(), make_user()
    group = make_group(owner=alice, members=[bob])
    tokens = {user.id: Token.objects.create(user=user).key for user in (alice, bob, carol)}
    return SimpleNamespace(group=group, alice=alice, bob=bob, carol=carol, tokens=tokens)


@pytest.fixture
async def open_socket(servers, cast):
    sockets = []

    async def open_on(server: int, user) -> LiveSocket:
        socket = await LiveSocket.open(servers.url(server, cast.tokens[user.id]))
        sockets.append(socket)
        await socket.ping()
        return socket

    yield open_on
    for socket in sockets:
        await socket.close()


async def test_a_message_sent_through_one_process_reaches_a_member_on_the_other(open_socket, cast):
    # given
    alice, bob = await open_socket(0, cast.alice), await open_socket(1, cast.bob)

    # when
    await alice.send(
        {"type": "message.send", "group": cast.group.id, "body": "hi", "client_id": "1"}
    )

    # then
    _, ack = await alice.receive_until("message.ack")
    new = await bob.receive()
    assert new == {"type": "message.new", "message": ack["message"]}


async def test_a_rest_send_through_a_process_without_sockets_reaches_a_member_elsewhere(
    open_socket, cast
):
    # given: bob on a server process; a fresh one, with no socket (no hub yet), serves REST
    bob = await open_socket(0, cast.bob)
    rest = Servers(1, redis_url=settings.REDIS_URL)
    rest.start()
    try:
        # when: two sends, the first of which starts that process's hub
        async with aiohttp.ClientSession(
            f"http://{HOST}:{rest.ports[0]}",
            headers={"Authorization": f"Token {cast.tokens[cast.alice.id]}"},
        ) as session:
            sent = []
            for body in ("first", "second"):
                async with session.post(
                    f"/api/v1/groups/{cast.group.id}/messages/", json={"body": body}
                ) as answer:
                    assert answer.status == 201
                    sent.append(await answer.json())

        # then: both reach bob, in order
        assert [(await bob.receive())["message"] for _ in sent] == sent
    finally:
        rest.stop()


async def test_membership_changes_reach_the_other_process(open_socket, cast):
    # given
    alice, carol = await open_socket(0, cast.alice), await open_socket(1, cast.carol)

    # when: carol is added (published by this test process), and alice writes
    await db.run(groups.membership_add, actor=cast.alice, group=cast.group, user=cast.carol)
    added = await carol.receive()
    await alice.send({"type": "message.send", "group": cast.group.id, "body": "welcome"})

    # then
    assert (added["type"], added["group"]["id"]) == ("group.added", cast.group.id)
    assert (await carol.receive())["message"]["body"] == "welcome"

    # when: carol is removed, and alice writes again
    await db.run(groups.membership_remove, actor=cast.alice, group=cast.group, user=cast.carol)
    removed = await carol.receive()
    await alice.send({"type": "message.send", "group": cast.group.id, "body": "bye"})
    await alice.receive_until("message.ack")

    # then
    assert removed == {"type": "group.removed", "group": cast.group.id}
    assert await carol.nothing()


async def test_presence_counts_the_sockets_of_every_process(open_socket, cast):
    # given: bob watches; alice has a socket on each process
    bob = await open_socket(1, cast.bob)
    bob.skip = set()
    first, second = await open_socket(0, cast.alice), await open_socket(1, cast.alice)
    online = set()
    while online != {cast.alice.id, cast.bob.id}:  # each process tells of its own arrivals
        online |= set((await bob.receive_until("presence"))[1]["online"])

    # when: one of alice's sockets closes
    await first.close()

    # then: she is still online, as both processes answer
    assert await bob.nothing(2.5)
    for socket in (bob, await open_socket(0, cast.bob)):
        socket.skip = {"presence"}
        await socket.send({"type": "presence.get", "group": cast.group.id})
        _, state = await socket.receive_until("presence.state")
        assert state["online"] == sorted([cast.alice.id, cast.bob.id])

    # when: her last socket closes
    await second.close()

    # then
    bob.skip = set()
    assert (await bob.receive_until("presence"))[1]["offline"] == [cast.alice.id]


@pytest.fixture
def daphne_and_uvicorn(transactional_db):

    running = Servers(2, redis_url=settings.REDIS_URL, kinds=("daphne", "uvicorn"))
    running.start()
    yield running
    running.stop()


async def test_uvicorn_serves_the_same_protocol_next_to_daphne(daphne_and_uvicorn, cast):
    # given: alice on daphne, bob on uvicorn
    servers = daphne_and_uvicorn
    alice = await LiveSocket.open(servers.url(0, cast.tokens[cast.alice.id]))
    bob = await LiveSocket.open(servers.url(1, cast.tokens[cast.bob.id]))
    await alice.ping(), await bob.ping()

    # when
    await alice.send({"type": "message.send", "group": cast.group.id, "body": "hi"})

    # then
    _, ack = await alice.receive_until("message.ack")
    assert await bob.receive() == {"type": "message.new", "message": ack["message"]}

    # then: uvicorn refuses a foreign origin at the handshake, and a bad token with 4401
    with pytest.raises(InvalidStatus) as refused:
        await connect(servers.url(1, "x"), origin="http://evil.example")
    assert refused.value.response.status_code == 403
    async with connect(servers.url(1, "0" * 40)) as unauthenticated:
        with pytest.raises(ConnectionClosed) as closed:
            await unauthenticated.recv()
    assert closed.value.rcvd.code == frames.CLOSE_UNAUTHENTICATED
    await alice.close(), await bob.close()
