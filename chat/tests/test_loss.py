"""No message lost, none twice: several senders write to one group while a reader drops its
socket at random points and resumes. In-process (both configurations), and across two real
server processes (PostgreSQL + Redis)."""

import random
from types import SimpleNamespace

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from chat import db, handlers
from messaging.models import Message
from tests.servers import Servers

from .live import LiveSocket, needs_postgres_and_redis
from .scenarios import ResumingReader, run_loss_scenario

SENDERS = 3
MESSAGES_PER_SENDER = 40


@pytest.fixture
def crowd(transactional_db, make_user, make_group):
    senders = [make_user() for _ in range(SENDERS)]
    reader = make_user()
    group = make_group(owner=senders[0], members=[*senders[1:], reader])
    tokens = {user.id: Token.objects.create(user=user).key for user in [*senders, reader]}
    return SimpleNamespace(group=group, senders=senders, reader=reader, tokens=tokens)


def _stored_ids(group_id: int) -> list[int]:
    return list(
        Message.objects.filter(group_id=group_id).order_by("id").values_list("id", flat=True)
    )


async def test_in_process_reader_that_drops_and_resumes_gets_every_message_once(
    connect, crowd, monkeypatch
):
    # given: a small replay cap, so that resumes also go through has_more
    monkeypatch.setattr(handlers, "RESUME_LIMIT", 7)
    random.seed(4)
    senders = [await connect(user) for user in crowd.senders]
    reader = ResumingReader(
        group_id=crowd.group.id,
        open_socket=lambda _: connect(crowd.reader),
        close_socket=lambda socket: socket.close(),
    )

    # when
    await run_loss_scenario(
        group_id=crowd.group.id,
        senders=senders,
        reader=reader,
        messages_per_sender=MESSAGES_PER_SENDER,
    )

    # then
    stored = await db.run(_stored_ids, crowd.group.id)
    assert len(stored) == SENDERS * MESSAGES_PER_SENDER
    assert reader.connections > 3
    assert reader.received == stored


@needs_postgres_and_redis
@pytest.mark.slow
async def test_reader_across_two_processes_that_drops_and_resumes_gets_every_message_once(
    crowd,
):
    # given: senders and the reader's sockets spread over two server processes
    random.seed(5)
    servers = Servers(2, redis_url=settings.REDIS_URL)
    await db.run(servers.start)
    try:
        senders = [
            await LiveSocket.open(servers.url(index % 2, crowd.tokens[user.id]))
            for index, user in enumerate(crowd.senders)
        ]

        async def open_reader(number: int) -> LiveSocket:
            return await LiveSocket.open(servers.url(number % 2, crowd.tokens[crowd.reader.id]))

        reader = ResumingReader(
            group_id=crowd.group.id,
            open_socket=open_reader,
            close_socket=lambda socket: socket.close(),
        )

        # when
        await run_loss_scenario(
            group_id=crowd.group.id,
            senders=senders,
            reader=reader,
            messages_per_sender=MESSAGES_PER_SENDER,
        )
        for socket in senders:
            await socket.close()
    finally:
        await db.run(servers.stop)

    # then
    stored = await db.run(_stored_ids, crowd.group.id)
    assert len(stored) == SENDERS * MESSAGES_PER_SENDER
    assert reader.connections > 3
    assert reader.received == stored
