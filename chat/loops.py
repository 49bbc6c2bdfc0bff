"""The process's hubs, one per event loop, and the way in for code in other threads.

A server process runs one event loop, so one hub; tests run a loop per test. Sync code of the
process publishes through the hub too (`publish_from_thread` is what chat hands to
`core.events` in chat/apps.py): the services' after-commit hooks run in the sockets' database
threads or in a sync view's thread, and hand their event to the hub's loop without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any

from asgiref.sync import SyncToAsync

from .hub import Hub

logger = logging.getLogger(__name__)

_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}
_hubs_lock = threading.Lock()


async def get_hub() -> Hub:
    """The running loop's hub, started on first use."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        for other in [other for other in _hubs if other.is_closed()]:
            del _hubs[other]
        hub = _hubs.get(loop)
        if hub is None:
            hub = _hubs[loop] = Hub(loop)
    await hub.start()
    return hub


async def close_hub() -> None:
    """Stop the running loop's hub and let go of its layer groups (tests; orderly shutdown)."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        hub = _hubs.pop(loop, None)
    if hub is not None:
        await hub.close()


def running_hub() -> Hub | None:
    """A hub whose loop is running, for code in another thread that publishes."""
    with _hubs_lock:
        for loop, hub in _hubs.items():
            if loop.is_running() and hub.channel is not None:
                return hub
    return None


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's event loop, when this thread runs sync code for it (a sync view under
    daphne or uvicorn: asgiref notes the loop it came from), and that loop is running."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    pid = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None)
    if loop is None or pid != os.getpid() or not loop.is_running():
        return None
    return loop


async def publish_from_server_loop(target: str, event: dict[str, Any]) -> None:
    """Publish through the loop's hub, started on first use: a process that serves only HTTP
    keeps one Redis connection for its events instead of one per event."""
    try:
        (await get_hub()).publish(target, event)
    except Exception:  # the channel layer may drop a ring; clients catch up from the database
        logger.exception("could not publish %s to %s", event.get("type"), target)


def publish_from_thread(target: str, event: dict[str, Any]) -> bool:
    """The publisher that chat hands to `core.events`: through this process's hub when there is
    a running one, or through the ASGI server's loop when a sync view runs for it (the hub is
    started there on first use). False elsewhere: the caller publishes itself."""
    if (hub := running_hub()) is not None:
        hub.publish_threadsafe(target, event)
        return True
    if (loop := server_loop()) is not None:  # a server process with no socket yet
        asyncio.run_coroutine_threadsafe(publish_from_server_loop(target, event), loop)
        return True
    return False
