"""Gap completion: what a socket's group stream misses, fetched from the database.

A stream (chat/streams.py) that sees a `seq` beyond the next one asks its socket to complete
it. Most gaps close by themselves a moment later: two sends to one group commit in order, but
their threads may hand them to the event loop the other way round. So `complete` waits
GAP_GRACE_SECONDS, sends what arrived meanwhile, and only then reads the rest, in batches.
The reads are shared: every local socket that misses the same range of a group waits for the
same query (`Completions.messages`), so a lost event costs one query per process, not one per
socket.
"""

from __future__ import annotations

import asyncio
import logging

from core import events

from . import actions, db, frames
from .streams import REPLAY, GroupStream

logger = logging.getLogger(__name__)

GAP_GRACE_SECONDS = 0.005  # a frame after a gap waits this long for the missing one
COMPLETION_BATCH = 500  # messages fetched per query while completing a gap
RETRY_SECONDS = 1.0  # a completion that failed ends after this pause (then the stream asks again)


class Completions:
    """The process's shared reads of missing messages (one per group and range)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._fetches: dict[tuple[int, int, int], asyncio.Task] = {}

    async def messages(
        self, group_id: int, after_seq: int, upto_seq: int
    ) -> list[frames.MessageFrame]:
        """The group's messages after_seq < seq <= upto_seq as `message.new` frames; every
        socket that misses the same range shares one query."""
        key = (group_id, after_seq, upto_seq)
        task = self._fetches.get(key)
        if task is None:
            task = self._fetches[key] = self.loop.create_task(self._fetch(key))
        return await asyncio.shield(task)

    async def _fetch(self, key: tuple[int, int, int]) -> list[frames.MessageFrame]:
        group_id, after_seq, upto_seq = key
        try:
            payloads = await db.run(
                actions.messages_by_seq, group_id=group_id, after_seq=after_seq, upto_seq=upto_seq
            )
        finally:
            del self._fetches[key]
        return [frames.MessageFrame(events.MESSAGE_NEW, payload) for payload in payloads]

    async def close(self) -> None:
        tasks = list(self._fetches.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def complete(stream: GroupStream, completions: Completions, viewer_id: int) -> None:
    """Send the stream what it misses up to the highest `seq` it has seen, in order (unless a
    `resume` replay of the group takes over). A failure is logged, then paused on."""
    try:
        await asyncio.sleep(GAP_GRACE_SECONDS)
        stream.send_held()
        while stream.seen_seq > stream.last_seq and not stream.waiting & REPLAY:
            upto = min(stream.seen_seq, stream.last_seq + COMPLETION_BATCH)
            for frame in await completions.messages(stream.group_id, stream.last_seq, upto):
                stream.sent(frame.seq, frame.text_for(viewer_id))
            # A seq that is not found no longer exists (its group was deleted).
            stream.last_seq = max(stream.last_seq, upto)
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("websocket: could not complete group %s", stream.group_id)
        await asyncio.sleep(RETRY_SECONDS)
