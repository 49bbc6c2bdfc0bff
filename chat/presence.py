"""Who is online: a user is online while at least one of their sockets is open, in any process.

Each process counts its own sockets per user and tells a shared register only when a user's
first local socket opens or their last one closes. With REDIS_URL the register is Redis: one
sorted set per user whose members are the processes holding a socket of theirs, scored with an
expiry that each process renews while it lives. A process that dies without saying goodbye
drops out when its entries expire (PRESENCE_TTL). Without Redis (one process) it is a dict.

Transitions are applied in order by one task per process, a batch at a time, and reported back
so that the hub can tell the user's groups.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from redis import asyncio as aioredis

from core.events import PRESENCE, group_channel

logger = logging.getLogger(__name__)

PRESENCE_TTL = 30  # seconds a process's entries live without renewal
RENEW_EVERY = 10  # seconds between renewals of the process's entries (the hub's ticks)

# KEYS[1]: the user's set. ARGV: process id, now, the entry's expiry, the key's lifetime.
# Returns 1 if no other process had the user (the user came online).
_ARRIVE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local others = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then others = others - 1 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if others == 0 then return 1 end
return 0
"""

# Returns 1 if no process has the user any more (the user went offline).
_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) == 0 then return 1 end
return 0
"""


# KEYS: users' sets. ARGV: process id, the entry's expiry, the key's lifetime. One call renews
# a batch of users: as separate ZADD and EXPIRE commands, building them was a large share of
# an idle process's profile (docs/performance.md).
_RENEW = """
for _, key in ipairs(KEYS) do
    redis.call('ZADD', key, ARGV[2], ARGV[1])
    redis.call('EXPIRE', key, ARGV[3])
end
"""
RENEW_BATCH = 500  # users per call: Redis serves nothing else while a script runs

# The embedded default's register: user id -> number of event loops holding a socket of theirs.
_local_online: Counter[int] = Counter()


class LocalRegister:
    """The register of a single process (the embedded default)."""

    _online = _local_online

    async def apply(self, changes: list[tuple[int, bool]]) -> list[bool]:
        flipped = []
        for user_id, arrived in changes:
            if arrived:
                self._online[user_id] += 1
                flipped.append(self._online[user_id] == 1)
            else:
                self._online[user_id] -= 1
                flipped.append(self._online[user_id] <= 0)
                if self._online[user_id] <= 0:
                    del self._online[user_id]
        return flipped

    async def renew(self, user_ids: Iterable[int]) -> None:
        return None

    async def online(self, user_ids: list[int]) -> list[int]:
        return [user_id for user_id in user_ids if self._online[user_id] > 0]

    async def close(self) -> None:
        return None


class RedisRegister:
    def __init__(self, url: str) -> None:
        self.redis = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.process = uuid.uuid4().hex
        self._arrive = self.redis.register_script(_ARRIVE)
        self._leave = self.redis.register_script(_LEAVE)
        self._renew = self.redis.register_script(_RENEW)

    @staticmethod
    def _key(user_id: int) -> str:
        return f"chat:presence:{user_id}"

    async def apply(self, changes: list[tuple[int, bool]]) -> list[bool]:
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id, arrived in changes:
                script = self._arrive if arrived else self._leave
                await script(
                    keys=[self._key(user_id)],
                    args=[self.process, now, now + PRESENCE_TTL, PRESENCE_TTL * 2],
                    client=pipe,
                )
            results = await pipe.execute()
        return [bool(result) for result in results]

    async def renew(self, user_ids: Iterable[int]) -> None:
        args: list[str | float] = [self.process, time.time() + PRESENCE_TTL, PRESENCE_TTL * 2]
        keys = [self._key(user_id) for user_id in user_ids]
        for start in range(0, len(keys), RENEW_BATCH):
            await self._renew(keys=keys[start : start + RENEW_BATCH], args=args)

    async def online(self, user_ids: list[int]) -> list[int]:
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.zcount(self._key(user_id), now, "+inf")
            counts = await pipe.execute()
        return [user_id for user_id, count in zip(user_ids, counts, strict=True) if count]

    async def close(self) -> None:
        await self.redis.aclose()


def make_register() -> LocalRegister | RedisRegister:
    return RedisRegister(settings.REDIS_URL) if settings.REDIS_URL else LocalRegister()


class Presence:
    """One event loop's side of presence: local socket counts, the register, and the changes
    waiting to be told to each group (at most one `presence` event per group per tick)."""

    def __init__(self, publish: Callable[[str, dict[str, Any]], None]) -> None:
        self.publish = publish
        self.register = make_register()
        self.local: Counter[int] = Counter()
        self._transitions: list[tuple[int, bool, tuple[int, ...]]] = []
        self._wake = asyncio.Event()
        self._changes: defaultdict[int, dict[int, bool]] = defaultdict(dict)
        self._worker = asyncio.get_running_loop().create_task(self._apply_transitions())

    def opened(self, user_id: int, group_ids: Iterable[int]) -> None:
        self.local[user_id] += 1
        if self.local[user_id] == 1:
            self._transitions.append((user_id, True, tuple(group_ids)))
            self._wake.set()

    def closed(self, user_id: int, group_ids: Iterable[int]) -> None:
        self.local[user_id] -= 1
        if self.local[user_id] <= 0:
            del self.local[user_id]
            self._transitions.append((user_id, False, tuple(group_ids)))
            self._wake.set()

    async def _apply_transitions(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._transitions = self._transitions, []
            try:
                flipped = await self.register.apply([(user, arrived) for user, arrived, _ in batch])
            except Exception:  # the next renewal re-registers who is here; leavers expire
                logger.exception("presence: could not update the register")
                continue
            for (user_id, arrived, group_ids), changed in zip(batch, flipped, strict=True):
                if changed:
                    for group_id in group_ids:
                        self._changes[group_id][user_id] = arrived

    def tell_groups(self) -> None:
        """Publish the changes gathered since the last tick, one event per group."""
        changes, self._changes = self._changes, defaultdict(dict)
        for group_id, users in changes.items():
            self.publish(
                group_channel(group_id),
                {
                    "type": PRESENCE,
                    "group": group_id,
                    "online": sorted(u for u, online in users.items() if online),
                    "offline": sorted(u for u, online in users.items() if not online),
                },
            )

    async def renew(self) -> None:
        try:
            await self.register.renew(list(self.local))
        except Exception:
            logger.exception("presence: could not renew the register")

    async def online(self, user_ids: list[int]) -> list[int]:
        return await self.register.online(user_ids)

    async def close(self) -> None:
        """Stop, after telling the register about the transitions still queued."""
        self._worker.cancel()
        if self._transitions:
            try:
                await self.register.apply(
                    [(user, arrived) for user, arrived, _ in self._transitions]
                )
            except Exception:
                logger.exception("presence: could not update the register")
        await self.register.close()
