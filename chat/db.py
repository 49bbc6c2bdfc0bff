"""Database work for the sockets, off the event loop.

`asgiref`'s `database_sync_to_async` is `thread_sensitive`: every call in the process queues for
ONE thread, shared with Django's sync views. The sockets use a pool of their own instead, so a
send waits for its own queries only. Like Channels' `database_sync_to_async`, each call closes
connections that are broken or past `CONN_MAX_AGE` before and after it runs.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection, connections

P = ParamSpec("P")
R = TypeVar("R")

_executor: ThreadPoolExecutor | None = None
_threads = 0


def _get_executor() -> ThreadPoolExecutor:
    global _executor, _threads
    if _executor is None:
        # SQLite takes one writer at a time (and its in-memory test database refuses a second
        # at once): one thread there.
        _threads = 1 if connection.vendor == "sqlite" else settings.WEBSOCKET_DB_THREADS
        _executor = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="chat-db")
    return _executor


def _call_with_fresh_connection(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    close_old_connections()
    try:
        return function(*args, **kwargs)
    finally:
        close_old_connections()


async def run(function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a sync function that uses the database in the sockets' thread pool."""
    call = functools.partial(_call_with_fresh_connection, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_get_executor(), call)


def close_connections() -> None:
    """Close the connection of every thread of the pool, as a test run does before it drops its
    database. Each thread takes one task: all of them wait at a barrier until every one has."""
    if _executor is None:
        return
    barrier = threading.Barrier(_threads)

    def close_own_then_wait() -> None:
        connections.close_all()
        barrier.wait(timeout=10)

    for future in [_executor.submit(close_own_then_wait) for _ in range(_threads)]:
        future.result()
