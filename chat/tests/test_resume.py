"""resume: replay from the database, has_more, and live frames held around the replay."""

import asyncio
import time
from types import SimpleNamespace

import pytest

from chat import actions, db, frames, handlers
from messaging.services import send_message


@pytest.fixture
def pair(make_user, make_group):
    sender, reader = make_user(), make_user()
    return SimpleNamespace(group=make_group(members=[sender, reader]), sender=sender, reader=reader)


def _send_many(*, sender, group_id: int, count: int) -> list[int]:
    return [
        send_message(sender=sender, group_id=group_id, body=f"m{i}")[0].id for i in range(count)
    ]


def _ids(frames_: list[dict]) -> list[int]:
    return [frame["message"]["id"] for frame in frames_]


async def test_resume_replays_what_came_after_the_cursor_in_id_order(connect, pair):
    # given: five messages, the client has seen the first two
    ids = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=5)
    reader = await connect(pair.reader)

    # when
    await reader.send({"type": "resume", "groups": {str(pair.group.id): ids[1]}})

    # then
    replayed, done = await reader.receive_until("resume.done")
    assert [frame["type"] for frame in replayed] == ["message.new"] * 3
    assert _ids(replayed) == ids[2:]
    assert done == {"type": "resume.done", "has_more": False}


async def test_resume_of_an_up_to_date_client_replays_nothing(connect, pair):
    # given
    ids = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=2)
    reader = await connect(pair.reader)

    # when
    await reader.send({"type": "resume", "groups": {str(pair.group.id): ids[-1]}})

    # then
    assert await reader.receive() == {"type": "resume.done", "has_more": False}


async def test_a_resume_from_the_handshakes_last_message_reads_nothing(connect, pair, monkeypatch):
    # given: a client up to date when it connects (as after a server process died)
    ids = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=2)
    reader = await connect(pair.reader)
    replays = []
    monkeypatch.setattr(
        actions, "replay", lambda **page: replays.append(page) or actions.ReplayPage([], False, 0)
    )

    # when
    await reader.send({"type": "resume", "groups": {str(pair.group.id): ids[-1]}})
    done = await reader.receive()
    live = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=1)

    # then: no replay was read, and what follows comes live
    assert done == {"type": "resume.done", "has_more": False}
    assert replays == []
    assert _ids([await reader.receive()]) == live


async def test_resume_is_capped_and_has_more_until_the_follow_up(connect, pair, monkeypatch):
    # given: a cap of 3 and five messages missed
    monkeypatch.setattr(handlers, "RESUME_LIMIT", 3)
    ids = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=5)
    reader = await connect(pair.reader)
    await reader.send({"type": "resume", "groups": {str(pair.group.id): 0}})
    first, done = await reader.receive_until("resume.done")

    # when: a message arrives live between the capped replay and the follow-up resume
    live = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=1)
    held = await reader.nothing()
    await reader.send({"type": "resume", "groups": {str(pair.group.id): _ids(first)[-1]}})
    second, done_again = await reader.receive_until("resume.done")

    # then: every message once, in order; the live one waited for the replay
    assert done["has_more"] is True
    assert held
    assert _ids(first) + _ids(second) == ids + live
    assert done_again["has_more"] is False
    assert await reader.nothing()


async def test_live_message_during_the_hold_follows_the_replay_once(connect, pair):
    # given: the client saw the first message, then disconnected
    ids = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=2)
    reader = await connect(pair.reader)

    # when: a message is committed after the handshake, before the client's resume
    live = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=1)
    await reader.send({"type": "resume", "groups": {str(pair.group.id): ids[0]}})

    # then
    replayed, _ = await reader.receive_until("resume.done")
    assert _ids(replayed) == ids[1:] + live
    assert await reader.nothing()


async def test_a_busy_server_holds_live_frames_until_it_reads_the_resume(connect, pair):
    # given: the client saw the first message; one more is committed after the handshake
    ids = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=2)
    opened = time.monotonic()
    reader = await connect(pair.reader)
    live = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=1)

    # when: the event loop is blocked across the end of the hold (as in a reconnect storm),
    # and the server reads the client's resume only after the hold's timer has run
    await asyncio.sleep(max(0.0, opened + 0.8 - time.monotonic()))
    time.sleep(0.5)  # the point: the loop is busy
    await asyncio.sleep(0.05)
    await reader.send({"type": "resume", "groups": {str(pair.group.id): ids[0]}})

    # then: the live message did not jump ahead of the replay
    replayed, _ = await reader.receive_until("resume.done")
    assert _ids(replayed) == ids[1:] + live
    assert await reader.nothing()


async def test_held_frames_are_sent_a_second_after_the_handshake(connect, pair):
    # given
    reader = await connect(pair.reader)

    # when: the client sends nothing at all
    live = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=2)

    # then
    assert _ids([await reader.receive(), await reader.receive()]) == live


async def test_resume_covers_several_groups(connect, pair, make_group):
    # given
    other = await db.run(make_group, members=[pair.sender, pair.reader])
    first = await db.run(_send_many, sender=pair.sender, group_id=pair.group.id, count=2)
    second = await db.run(_send_many, sender=pair.sender, group_id=other.id, count=2)
    reader = await connect(pair.reader)

    # when
    await reader.send(
        {"type": "resume", "groups": {str(pair.group.id): first[0], str(other.id): 0}}
    )

    # then
    replayed, done = await reader.receive_until("resume.done")
    assert _ids(replayed) == first[1:] + second
    assert done["has_more"] is False


@pytest.mark.parametrize(
    "groups",
    [[1], {"x": 1}, {"1": "2"}, {"1": -1}, {"1": True}, {"9" * 30: 1}, None],
    ids=["list", "key", "value-string", "negative", "bool", "huge-key", "missing"],
)
async def test_malformed_resume_is_an_error(connect, pair, groups):
    # given
    reader = await connect(pair.reader)

    # when
    await reader.send({"type": "resume", "groups": groups})

    # then
    assert (await reader.receive())["code"] == frames.INVALID
    assert await reader.ping() == []


async def test_resume_of_a_group_you_are_not_in_is_an_error(connect, pair, make_group):
    # given
    stranger = await db.run(make_group)
    reader = await connect(pair.reader)

    # when
    await reader.send({"type": "resume", "groups": {str(pair.group.id): 0, str(stranger.id): 0}})

    # then
    assert (await reader.receive())["code"] == frames.NOT_A_MEMBER
    assert await reader.ping() == []
