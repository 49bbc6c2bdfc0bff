"""The hub: its reader's dispatch to the local sockets (driven with doubles, no socket), and its
housekeeping ticks."""

import asyncio

from chat import hub as hub_module
from chat import presence
from chat.loops import close_hub, get_hub
from chat.presence import Presence


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
