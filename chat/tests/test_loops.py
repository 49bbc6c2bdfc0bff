"""One hub per event loop, and sync code reaching it: a sync caller of the ASGI server's loop
publishes through a hub it starts there."""

import asyncio

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from chat.loops import close_hub, get_hub, running_hub, server_loop
from core import events

TIMEOUT = 5


async def test_a_loop_has_one_hub_until_it_is_closed():
    # given
    first = await get_hub()

    # when
    again = await get_hub()
    await close_hub()
    after_close = await get_hub()
    await close_hub()

    # then
    assert again is first
    assert after_close is not first
    assert running_hub() is None


async def test_code_in_another_thread_finds_the_running_hub(hub):
    # when
    found = await asyncio.to_thread(running_hub)

    # then
    assert found is hub


def test_no_server_loop_outside_one():
    assert server_loop() is None


async def test_a_sync_caller_publishes_through_a_hub_it_starts_on_the_loop_it_came_from():
    # given: no hub on this loop yet; a channel listening to a layer group
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("test.sync-publish", channel)
    loop = asyncio.get_running_loop()
    event = {"type": "test.ping", "text": "from a sync view"}
    assert running_hub() is None

    try:
        # when: sync code run for this loop (as Django runs a sync view) publishes
        assert await sync_to_async(server_loop)() is loop
        await sync_to_async(events.publish_rollback_unsafe)("test.sync-publish", event)

        # then
        assert await asyncio.wait_for(layer.receive(channel), TIMEOUT) == event
        assert running_hub().loop is loop
    finally:
        await close_hub()
        await layer.group_discard("test.sync-publish", channel)
