"""The Redis presence register: entries renewed in batches keep users online past their first
expiry. (Presence as the sockets see it: test_signals.py and test_processes.py.)"""

import time

import pytest
from django.conf import settings

from chat.presence import PRESENCE_TTL, RENEW_BATCH, RedisRegister

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set")


@pytest.fixture
async def register():
    register = RedisRegister(settings.REDIS_URL)
    yield register
    await register.close()


async def test_renew_moves_every_entry_of_the_process_forward_in_batches(register):
    # given: more users than one batch renews, online through this process
    user_ids = list(range(10**9, 10**9 + 2 * RENEW_BATCH + 7))
    keys = [register._key(user_id) for user_id in user_ids]
    try:
        await register.apply([(user_id, True) for user_id in user_ids])
        before = time.time()

        # when
        await register.renew(user_ids)

        # then: each entry expires a full TTL from now, and each set outlives it
        scores = [await register.redis.zscore(key, register.process) for key in keys]
        assert all(score >= before + PRESENCE_TTL for score in scores)
        assert min([await register.redis.ttl(key) for key in keys]) > PRESENCE_TTL
        assert await register.online(user_ids) == user_ids
    finally:
        await register.redis.delete(*keys)
