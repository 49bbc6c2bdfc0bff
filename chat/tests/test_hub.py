"""The hub: its dispatch of events to the local sockets (driven with doubles, no socket: the
hub is the same for the consumers), and its housekeeping ticks."""

import asyncio
import json

from chat import db, presence
from chat import hub as hub_module
from chat.loops import close_hub, get_hub
from chat.presence import Presence
from chat.tests.doubles import FakeSocket, eventually
from core import events


def _message(group_id: int, seq: int, *, reacting: tuple[int, ...] = ()) -> dict:
    reactions = [{"emoji": "+1", "count": len(reacting), "users": list(reacting)}]
    reactions = reactions if reacting else []
    return {"id": 100 + seq, "group": group_id, "seq": seq, "reactions": reactions}


async def test_a_message_event_reaches_the_sockets_of_its_group_as_one_frame(hub):
    # given: two sockets in group 5, one in group 6
    first = await FakeSocket(user_id=1, groups=(5,)).connect(hub)
    second = await FakeSocket(user_id=2, groups=(5,)).connect(hub)
    elsewhere = await FakeSocket(user_id=3, groups=(6,)).connect(hub)

    # when
    hub.dispatch({"type": events.MESSAGE_NEW, "message": _message(5, 1)})
    hub.dispatch({"type": events.MESSAGE_UPDATED, "message": _message(5, 1, reacting=(2,))})

    # then: the same frame object (encoded once) for both; nothing for the other group
    assert [kind for kind, _ in first.received] == [events.MESSAGE_NEW, events.MESSAGE_UPDATED]
    assert [f for _, f in first.received] == [f for _, f in second.received]
    assert elsewhere.received == []
    _, updated = first.received[1]
    assert updated.text_for(1) is updated.text_for(3)  # not reacting: one shared text
    assert json.loads(updated.text_for(2))["message"]["reactions"][0]["me"] is True


async def test_typing_reaches_the_groups_sockets_but_the_typists(hub):
    # given
    typist = await FakeSocket(user_id=1, groups=(5,)).connect(hub)
    typists_other_tab = await FakeSocket(user_id=1, groups=(5,)).connect(hub)
    other = await FakeSocket(user_id=2, groups=(5,)).connect(hub)
    user = {"id": 1, "username": "u1", "display_name": ""}

    # when
    hub.dispatch({"type": events.TYPING, "group": 5, "user": user})
    hub.dispatch({"type": events.PRESENCE, "group": 5, "online": [1], "offline": []})

    # then
    assert [json.loads(text)["type"] for _, _, text in other.received] == ["typing", "presence"]
    for socket in (typist, typists_other_tab):
        assert [json.loads(text)["type"] for _, _, text in socket.received] == ["presence"]


async def test_a_group_removed_event_reaches_the_users_sockets_only(hub):
    # given
    leaving = [await FakeSocket(user_id=1, groups=(5,)).connect(hub) for _ in range(2)]
    staying = await FakeSocket(user_id=2, groups=(5,)).connect(hub)

    # when
    hub.dispatch({"type": events.GROUP_REMOVED, "group": 5, "user": 1})

    # then
    assert [socket.received for socket in leaving] == [[("removed", 5)]] * 2
    assert hub.sockets[events.group_channel(5)] == {staying}


async def test_revoked_credentials_close_the_sockets_opened_with_them(hub):
    # given
    by_token = await FakeSocket(user_id=1, token_key="t").connect(hub)
    by_session = await FakeSocket(user_id=1, session_key="s").connect(hub)
    someone_else = await FakeSocket(user_id=2, token_key="t").connect(hub)

    # when
    hub.dispatch(
        {"type": events.CREDENTIALS_REVOKED, "user": 1, "token_key": "t", "session_key": None}
    )

    # then
    assert [by_token.closed_with, by_session.closed_with, someone_else.closed_with] == [
        4401,
        None,
        None,
    ]


async def test_a_new_message_published_here_reaches_the_local_sockets_at_once(hub):
    # given
    socket = await FakeSocket(user_id=1, groups=(5,)).connect(hub)

    # when
    hub.publish(events.group_channel(5), {"type": events.MESSAGE_NEW, "message": _message(5, 1)})

    # then: before the layer's copy (which follows, and the socket's stream drops)
    assert [kind for kind, _ in socket.received] == [events.MESSAGE_NEW]
    await eventually(lambda: len(socket.received) == 2)


async def test_when_the_layer_comes_back_every_socket_gets_its_groups_last_message(
    hub, transactional_db, make_user, make_group, make_message
):
    # given: a group with two messages, and a socket in it that saw neither (the layer away)
    member = await db.run(make_user)
    group = await db.run(make_group, members=[member])
    for body in ("one", "two"):
        await db.run(make_message, group=group, sender=member, body=body)
    socket = await FakeSocket(user_id=member.id, groups=(group.id,)).connect(hub)
    hub._lost("a test")

    # when: a probe comes back
    await hub._probe()

    # then: the last message, handed over as if it had just arrived (the stream completes it)
    await eventually(lambda: len(socket.received) == 1)
    kind, frame = socket.received[0]
    assert (kind, frame.group_id, frame.seq) == (events.MESSAGE_NEW, group.id, 2)
    assert hub._layer_lost is False


async def test_a_probe_that_does_not_come_back_means_the_layer_was_away(hub):
    # given: a probe sent longer ago than the hub's patience, never back
    await hub._probe()
    hub._probe_sent = hub.loop.time() - hub_module.PROBE_PATIENCE - 1

    # when
    hub._layer_lost = False
    await hub._probe()

    # then: the layer is taken for away until the new probe comes back
    assert hub._layer_lost is True
    await eventually(lambda: hub._layer_lost is False)


async def test_presence_is_renewed_every_renew_every(monkeypatch):
    # given: a fast tick, and a renewal every five ticks
    monkeypatch.setattr(hub_module, "TICK", 0.01)
    monkeypatch.setattr(presence, "RENEW_EVERY", 0.05)
    renewals = []

    async def renew(self):
        renewals.append(asyncio.get_running_loop().time())

    monkeypatch.setattr(Presence, "renew", renew)

    # when
    await get_hub()
    try:
        await asyncio.sleep(0.5)
    finally:
        await close_hub()

    # then: about ten renewals (ticks drift late, never early), not one per tick
    assert 4 <= len(renewals) <= 11
