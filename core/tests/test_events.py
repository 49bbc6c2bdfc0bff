"""core.events on its own: publish after commit and never on rollback, through the publisher
the delivery side handed over or else the channel layer, JSON-safety checked where an event is
built, and a failing layer logged rather than raised. (What each service publishes, through the
real layer and the hub: chat/tests/test_events.py.)"""

import asyncio
import datetime
import logging

import pytest
from django.db import transaction

from core import events


class Rollback(Exception):
    pass


@pytest.fixture
def use_publisher():
    """`use_publisher(p)`: p takes the events for the test; the delivery side's comes back."""
    previous: list = []

    def use(publisher) -> None:
        previous.append(events.set_publisher(publisher))

    yield use
    if previous:
        events.set_publisher(previous[0])


@pytest.fixture
def published(use_publisher):
    """A publisher that takes every event, as the hub does in a server process."""
    taken: list[tuple[str, dict]] = []

    def publisher(target: str, event: dict) -> bool:
        taken.append((target, event))
        return True

    use_publisher(publisher)
    return taken


@pytest.mark.django_db(transaction=True)
def test_an_event_is_published_after_the_commit(published):
    # when
    with transaction.atomic():
        events.group_added_on_commit(group_id=3, user_id=5)
        before_commit = list(published)

    # then
    assert before_commit == []
    assert published == [("user.5", {"type": "group.added", "group": 3, "user": 5})]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_published_when_the_transaction_rolls_back(published):
    # when
    with pytest.raises(Rollback), transaction.atomic():
        events.message_updated_on_commit({"group": 3, "id": 1})
        raise Rollback

    # then
    assert published == []


def test_an_event_that_is_not_json_safe_fails_where_it_is_built():
    # given: the tests turn the check on for the whole run (conftest.py)
    assert events.check_json_safe

    # when / then: a datetime would pass the in-memory layer and fail msgpack on Redis
    with pytest.raises(AssertionError):
        events.publish_on_commit("group.1", {"type": "x", "at": datetime.datetime.now()})


def test_without_a_publisher_that_takes_it_the_event_goes_to_the_channel_layer(
    settings, use_publisher
):
    # given: a publisher that declines (as the hub's does outside a server process)
    declined: list[str] = []
    use_publisher(lambda target, event: declined.append(target) or False)
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers, get_channel_layer

    channel_layers.backends.clear()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("group.9", channel)
    try:
        # when
        events.publish_rollback_unsafe("group.9", {"type": "typing", "group": 9})

        # then
        assert declined == ["group.9"]
        assert async_to_sync(layer.receive)(channel) == {"type": "typing", "group": 9}
    finally:
        channel_layers.backends.clear()


def test_a_failing_publisher_is_logged_not_raised(caplog, use_publisher):
    # given
    def broken(target: str, event: dict) -> bool:
        raise ConnectionError("redis is away")

    use_publisher(broken)

    # when
    with caplog.at_level(logging.ERROR, logger="core.events"):
        events.publish_rollback_unsafe("group.1", {"type": "message.new"})

    # then: the write it follows has committed; clients catch up from the database
    assert "could not publish message.new to group.1" in caplog.text


async def test_sync_code_on_an_event_loops_thread_publishes_through_a_task(settings, use_publisher):
    # given: sync code running on a loop's own thread (as a test driving a browser calls the
    # services), where async_to_sync may not be used
    use_publisher(lambda target, event: False)
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import channel_layers, get_channel_layer

    channel_layers.backends.clear()
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("group.4", channel)
    try:
        # when
        events.publish_rollback_unsafe("group.4", {"type": "typing", "group": 4})

        # then
        assert await asyncio.wait_for(layer.receive(channel), 2) == {"type": "typing", "group": 4}
    finally:
        channel_layers.backends.clear()


def test_a_group_channel_names_its_group_and_no_other_channel_does():
    assert events.group_of_channel(events.group_channel(7)) == 7
    assert events.group_of_channel(events.user_channel(7)) is None


@pytest.mark.django_db(transaction=True)
def test_many_events_go_after_the_commit_through_the_layer_in_one_pass(settings, use_publisher):
    # given: no publisher takes them (a worker process), three users listening
    use_publisher(lambda target, event: False)
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers, get_channel_layer

    channel_layers.backends.clear()
    layer = get_channel_layer()
    channels = {}
    for user_id in (1, 2, 3):
        channels[user_id] = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(events.user_channel(user_id), channels[user_id])
    try:
        # when
        with transaction.atomic():
            events.notifications_new_on_commit([(u, {"id": 10 + u}) for u in (1, 2, 3)])
        with pytest.raises(Rollback), transaction.atomic():
            events.notifications_new_on_commit([(1, {"id": 99})])
            raise Rollback

        # then: each user's frame, once; nothing of the rolled back one
        for user_id, channel in channels.items():
            event = async_to_sync(layer.receive)(channel)
            assert event == {
                "type": "notification.new",
                "user": user_id,
                "notification": {"id": 10 + user_id},
            }
        with pytest.raises(asyncio.TimeoutError):
            async_to_sync(asyncio.wait_for)(layer.receive(channels[1]), 0.1)
    finally:
        channel_layers.backends.clear()
