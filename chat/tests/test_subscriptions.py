"""The hub's subscriptions: local sockets routed per layer group, the layer subscribed once per
group, and a layer group let go at the sweep after its last socket left (not before)."""

from chat.tests.doubles import FakeSocket
from core import events

GROUP = events.group_channel(5)


def _counting(hub, monkeypatch, method: str) -> list[str]:
    calls: list[str] = []
    original = getattr(hub.layer, method)

    async def counted(name, channel):
        calls.append(name)
        await original(name, channel)

    monkeypatch.setattr(hub.layer, method, counted)
    return calls


async def test_a_layer_group_is_subscribed_once_for_all_its_sockets(hub, monkeypatch):
    # given
    added = _counting(hub, monkeypatch, "group_add")

    # when
    first = await FakeSocket(user_id=1, groups=(5,)).connect(hub)
    second = await FakeSocket(user_id=2, groups=(5,)).connect(hub)

    # then
    assert added.count(GROUP) == 1
    assert hub.subscriptions.sockets[GROUP] == {first, second}


async def test_a_layer_group_is_let_go_at_the_sweep_after_its_last_socket_left(hub, monkeypatch):
    # given: two sockets of group 5
    discarded = _counting(hub, monkeypatch, "group_discard")
    first = await FakeSocket(user_id=1, groups=(5,)).connect(hub)
    second = await FakeSocket(user_id=2, groups=(5,)).connect(hub)

    # when: one leaves, a sweep; the other leaves, a sweep
    first.disconnect()
    hub.subscriptions.sweep()
    kept = GROUP not in discarded
    second.disconnect()
    assert GROUP not in discarded  # not at once: only at the sweep
    hub.subscriptions.sweep()
    await _settled(hub)

    # then
    assert kept
    assert GROUP in discarded
    assert GROUP not in hub.subscriptions.sockets


async def test_a_socket_that_comes_back_before_the_sweep_needs_no_new_subscription(
    hub, monkeypatch
):
    # given: the group's only socket left
    (await FakeSocket(user_id=1, groups=(5,)).connect(hub)).disconnect()
    added = _counting(hub, monkeypatch, "group_add")

    # when
    await FakeSocket(user_id=1, groups=(5,)).connect(hub)
    hub.subscriptions.sweep()

    # then
    assert GROUP not in added
    assert len(hub.subscriptions.sockets[GROUP]) == 1


async def _settled(hub) -> None:
    """Wait for the group_add/discard tasks under way."""
    for task in list(hub.subscriptions._pending.values()):
        await task
