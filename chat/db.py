"""Database work for the sockets, off the event loop.

`asgiref`'s `database_sync_to_async` is `thread_sensitive`: every call in the process queues for
ONE thread, shared with Django's sync views. The sockets use a pool of their own instead, so a
send waits for its own queries only.

Connections are handled like Django handles them around a request, but not around every
call: Django checks a connection (a `SELECT 1` with CONN_HEALTH_CHECKS), ends it past
CONN_MAX_AGE or gives it back to the PostgreSQL pool before and after each request. A thread
here does that before a call at most once a second, after a call that failed, and after a call
when no other call is waiting: a busy thread keeps its connection, an idle one holds none.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection, connections

P = ParamSpec("P")
R = TypeVar("R")

CHECK_EVERY = 1.0  # seconds between connection checks in a pool thread

_executor: ThreadPoolExecutor | None = None
_threads = 0
_checked = threading.local()  # .at: when this thread last checked its connection
_waiting = 0  # calls submitted to the pool and not started yet
_waiting_lock = threading.Lock()


def _get_executor() -> ThreadPoolExecutor:
    global _executor, _threads
    if _executor is None:
        # SQLite takes one writer at a time (and its in-memory test database refuses a second
        # at once): one thread there.
        _threads = 1 if connection.vendor == "sqlite" else settings.WEBSOCKET_DB_THREADS
        _executor = ThreadPoolExecutor(max_workers=_threads, thread_name_prefix="chat-db")
    return _executor


def _call_with_fresh_connection(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    global _waiting
    with _waiting_lock:
        _waiting -= 1
    now = time.monotonic()
    if now - getattr(_checked, "at", -CHECK_EVERY) >= CHECK_EVERY:
        close_old_connections()  # broken, or past CONN_MAX_AGE: reconnect
        _checked.at = now
    try:
        result = function(*args, **kwargs)
    except Exception:
        close_old_connections()  # a connection the failure broke is not used again
        _checked.at = time.monotonic()
        raise
    if not _waiting:
        close_old_connections()  # nothing queued: let the connection go while idle
        _checked.at = time.monotonic()
    return result


async def run(function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a sync function that uses the database in the sockets' thread pool."""
    global _waiting
    call = functools.partial(_call_with_fresh_connection, function, *args, **kwargs)
    with _waiting_lock:
        _waiting += 1
    future = _get_executor().submit(call)
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        if future.cancel():  # it never started, so it does not count itself out
            with _waiting_lock:
                _waiting -= 1
        raise


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
