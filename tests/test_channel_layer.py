"""The channel layer configured in settings carries a message between processes' channels.

On PostgreSQL + Redis (REDIS_URL set) this goes through a real Redis server; there is nothing to
prove about the in-memory layer here, so the test says why it skips.
"""

import asyncio
import uuid

import pytest
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL,
    reason="REDIS_URL is not set: the in-memory channel layer is in use, no Redis to round-trip",
)


async def test_a_group_message_round_trips_through_redis():
    # given
    layer = get_channel_layer()
    group = f"test.roundtrip.{uuid.uuid4().hex}"
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    event = {"type": "test.ping", "text": "héllo", "numbers": [1, 2, 3], "nested": {"ok": True}}

    # when
    await layer.group_send(group, event)
    received = await asyncio.wait_for(layer.receive(channel), timeout=5)

    # then
    assert isinstance(layer, RedisPubSubChannelLayer)
    assert received == event
    await layer.group_discard(group, channel)


async def test_a_discarded_channel_no_longer_hears_its_group():
    # given
    layer = get_channel_layer()
    group = f"test.discard.{uuid.uuid4().hex}"
    leaving, staying = await layer.new_channel(), await layer.new_channel()
    for channel in (leaving, staying):
        await layer.group_add(group, channel)
    await layer.group_discard(group, leaving)

    # when
    await layer.group_send(group, {"type": "test.ping"})

    # then
    assert await asyncio.wait_for(layer.receive(staying), timeout=5) == {"type": "test.ping"}
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(leaving), timeout=0.5)
    await layer.group_discard(group, staying)
