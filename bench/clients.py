"""The clients a load process uses: websockets on `?token=` and a keep-alive HTTP session,
both speaking only the public contract."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp
from websockets.asyncio.client import ClientConnection, connect

OPEN_TIMEOUT = 60


@dataclass(frozen=True)
class Account:
    """A seeded user as a client sees it: a token, the server to use, the user's groups."""

    user_id: int
    token: str
    base_url: str  # http://127.0.0.1:PORT

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + f"/ws/?token={self.token}"


async def open_socket(account: Account) -> ClientConnection:
    """A websocket as a browser tab opens it (permessage-deflate offered); subscribed to every
    group of the user once this returns. No keep-alive pings from the client: an idle socket
    stays idle (the server's own pings are answered)."""
    return await connect(
        account.ws_url, ping_interval=None, open_timeout=OPEN_TIMEOUT, max_size=2**20
    )


async def open_sockets(
    accounts: Iterable[Account], *, at_once: int = 100
) -> list[ClientConnection]:
    """Open many sockets, at most `at_once` handshakes in flight; the first failure raises."""
    opened, failures = await try_open_sockets(accounts, at_once=at_once)
    if failures:
        await close_sockets(opened)
        raise failures[0]
    return opened


async def try_open_sockets(
    accounts: Iterable[Account], *, at_once: int = 100
) -> tuple[list[ClientConnection], list[Exception]]:
    """Open many sockets, at most `at_once` handshakes in flight: (opened, failures)."""
    gate = asyncio.Semaphore(at_once)

    async def one(account: Account) -> ClientConnection:
        async with gate:
            return await open_socket(account)

    outcomes = await asyncio.gather(*(one(a) for a in accounts), return_exceptions=True)
    opened = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
    return opened, [outcome for outcome in outcomes if isinstance(outcome, Exception)]


async def close_sockets(sockets: Iterable[ClientConnection]) -> None:
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)


def http_session(*, connections: int = 100) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections, limit_per_host=connections),
        timeout=aiohttp.ClientTimeout(total=60),
        json_serialize=json.dumps,
    )


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def server_timing_ms(header: str | None) -> float | None:
    """The largest `dur=` of a Server-Timing header (the whole request when the server also
    names its parts), or None without one."""
    durations = [
        float(value)
        for metric in (header or "").split(",")
        for name, _, value in (param.strip().partition("=") for param in metric.split(";")[1:])
        if name == "dur"
    ]
    return max(durations, default=None)
