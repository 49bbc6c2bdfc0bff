"""Frames the channel layer lost, reordered or repeated are completed from the database: per
group, message.new frames arrive in id order, each once, without a gap the server could know;
sockets that miss the same messages share one query."""

import asyncio
import time
from types import SimpleNamespace

import pytest

from chat import actions, db
from chat.loops import get_hub
from core import events
from messaging.models import Message
from messaging.payloads import message_payload
from messaging.services import send_message


@pytest.fixture
def pair(make_user, make_group):
    sender, reader = make_user(), make_user()
    return SimpleNamespace(group=make_group(members=[sender, reader]), sender=sender, reader=reader)


def _send(pair, body: str) -> int:
    return send_message(sender=pair.sender, group_id=pair.group.id, body=body)[0].id


def _payload(message_id: int) -> dict:
    return message_payload(Message.objects.select_related("sender").get(pk=message_id))


async def _publish(payload: dict) -> None:
    hub = await get_hub()
    hub.publish(events.group_channel(payload["group"]), {"type": "message.new", "message": payload})


async def test_messages_whose_events_were_lost_are_completed_before_the_next(
    connect, pair, monkeypatch
):
    # given: the next two messages' events are lost
    reader = await connect(pair.reader)
    await reader.ping()
    with monkeypatch.context() as patch:
        patch.setattr(events, "message_new_on_commit", lambda payload: None)
        lost = [await db.run(_send, pair, "lost 1"), await db.run(_send, pair, "lost 2")]
    assert await reader.nothing()

    # when
    arrived = await db.run(_send, pair, "arrived")

    # then
    got = [await reader.receive() for _ in range(3)]
    assert [frame["message"]["id"] for frame in got] == [*lost, arrived]
    assert await reader.nothing()


async def test_reordered_and_repeated_events_are_sent_once_in_order(connect, pair, monkeypatch):
    # given: three messages whose events have not been published yet
    reader = await connect(pair.reader)
    await reader.ping()
    with monkeypatch.context() as patch:
        patch.setattr(events, "message_new_on_commit", lambda payload: None)
        ids = [await db.run(_send, pair, f"m{i}") for i in range(3)]
    payloads = [await db.run(_payload, message_id) for message_id in ids]

    # when: the layer delivers the third, the first, the third again, then the second
    for index in (2, 0, 2, 1):
        await _publish(payloads[index])

    # then
    got = [await reader.receive() for _ in range(3)]
    assert [frame["message"]["id"] for frame in got] == ids
    assert await reader.nothing()


async def test_a_frame_that_arrives_just_behind_its_successor_needs_no_database_completion(
    connect, pair, monkeypatch
):
    # given: two messages whose events have not been published yet, and a count of the
    # completions that go to the database
    reader = await connect(pair.reader)
    await reader.ping()
    with monkeypatch.context() as patch:
        patch.setattr(events, "message_new_on_commit", lambda payload: None)
        ids = [await db.run(_send, pair, f"m{i}") for i in range(2)]
    payloads = [await db.run(_payload, message_id) for message_id in ids]
    hub = await get_hub()
    fetches = []
    fetch = hub.completions.messages

    async def counted_fetch(*args):
        fetches.append(args)
        return await fetch(*args)

    monkeypatch.setattr(hub.completions, "messages", counted_fetch)

    # when: the second arrives a moment before the first, as when two database threads hand
    # their sends to the event loop the other way round
    await _publish(payloads[1])
    await _publish(payloads[0])

    # then
    got = [await reader.receive() for _ in range(2)]
    assert [frame["message"]["id"] for frame in got] == ids
    assert fetches == []


async def test_sockets_that_miss_the_same_messages_share_one_query(hub, monkeypatch):
    # given: a slow read of the missing messages
    queries = []

    def messages_by_seq(**range_):
        queries.append(range_)
        time.sleep(0.05)
        return [_row(seq) for seq in range(range_["after_seq"] + 1, range_["upto_seq"] + 1)]

    monkeypatch.setattr(actions, "messages_by_seq", messages_by_seq)

    # when: three sockets miss seq 3 to 5 of group 9 at once, a fourth misses 3 to 4
    results = await asyncio.gather(
        *[hub.completions.messages(9, 2, 5) for _ in range(3)], hub.completions.messages(9, 2, 4)
    )

    # then
    assert queries == [
        {"group_id": 9, "after_seq": 2, "upto_seq": 5},
        {"group_id": 9, "after_seq": 2, "upto_seq": 4},
    ]
    assert [[frame.seq for frame in frames_] for frames_ in results] == [[3, 4, 5]] * 3 + [[3, 4]]
    assert results[0] is results[1]


def _row(seq: int) -> dict:
    return {"id": seq, "group": 9, "seq": seq, "reactions": []}
