"""Clients that behave as the contract asks a client to (docs/realtime.md, "Reconnect and
resume"): a reader keeps a cursor, reconnects with backoff and full jitter and resumes from it;
a sender keeps every unacked message and sends it again, with the same client_id, after an
`unavailable` error or a reconnect. Both count what a user would notice."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

BASE_DELAY = 0.2
MAX_DELAY = 2.0


def stamped(body: str) -> str:
    """A body that says when it was sent (this process's monotonic clock), for latencies."""
    return f"{body} @{time.monotonic():.6f}"


def latency(body: str) -> float | None:
    _, at, stamp = body.rpartition(" @")
    return time.monotonic() - float(stamp) if at else None


def ws_url(base_url: str, token: str) -> str:
    return base_url.replace("http://", "ws://", 1) + f"/ws/?token={token}"


async def _open(url: str) -> ClientConnection:
    return await connect(url, ping_interval=None, open_timeout=10, max_size=2**22)


async def _backoff(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt)))


@dataclass
class Reader:
    """One member's socket on one group: every message.new id, in the order received."""

    url: str
    group_id: int
    after: int = 0  # the id of the last message it had before it started
    received: list[int] = field(default_factory=list)
    duplicates: int = 0
    out_of_order: int = 0
    reconnects: int = 0
    resumed_at: float = 0.0  # when the last resume finished
    latencies: array | None = None  # seconds from a stamped send to its message.new
    _task: asyncio.Task | None = None
    _socket: ClientConnection | None = None

    def has_all(self, ids: set[int]) -> bool:
        return ids <= self._seen

    @property
    def cursor(self) -> int:
        return self.received[-1] if self.received else self.after

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            task = self._task
            if task.done() and not task.cancelled() and (failure := task.exception()):
                self.closes[f"reader failed: {type(failure).__name__}"] += 1
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def reconnect(self) -> None:
        """Close the socket, as a reloaded tab would; the reader comes back and resumes."""
        if self._socket is not None:
            await self._socket.close()

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                async with await _open(self.url) as socket:
                    self._socket = socket
                    await socket.send(
                        json.dumps({"type": "resume", "groups": {str(self.group_id): self.cursor}})
                    )
                    attempt = 0
                    async for text in socket:
                        self._take(json.loads(text), socket)
                    self._closed(socket.close_code)
            except ConnectionClosed as closed:
                self._closed(closed.rcvd.code if closed.rcvd else None)
            except (OSError, InvalidHandshake, TimeoutError, EOFError) as failed:
                self._closed(type(failed).__name__)
            self.reconnects += 1
            await _backoff(attempt)
            attempt += 1

    def _take(self, frame: dict, socket: ClientConnection) -> None:
        kind = frame["type"]
        if kind == "message.new" and frame["message"]["group"] == self.group_id:
            message_id = frame["message"]["id"]
            if message_id in self._seen:
                self.duplicates += 1
                return
            if message_id < self.cursor:
                self.out_of_order += 1
            if self.latencies is not None and (took := latency(frame["message"]["body"])):
                self.latencies.append(took)
            self._seen.add(message_id)
            self.received.append(message_id)
        elif kind == "resume.done":
            if frame["has_more"]:
                asyncio.get_running_loop().create_task(
                    socket.send(
                        json.dumps({"type": "resume", "groups": {str(self.group_id): self.cursor}})
                    )
                )
            else:
                self.resumed_at = time.monotonic()

    def __post_init__(self) -> None:
        self._seen: set[int] = set()
        self.closes: Counter[int | str | None] = Counter()  # close code (or failure) -> count

    def _closed(self, why: int | str | None) -> None:
        self.closes[why] += 1


@dataclass
class Sender:
    """Sends `message.send` frames over a socket, at most `window` unacked, resending every
    unacked one after an `unavailable` error or a reconnect. `acked` maps client_id to id."""

    url: str
    group_id: int
    window: int = 20
    stamp: bool = False  # bodies say when they were sent (Reader.latencies)
    acked: dict[str, int] = field(default_factory=dict)
    ack_latencies: list[float] = field(default_factory=list)  # seconds from send to ack
    unavailable: int = 0
    server_errors: int = 0
    reconnects: int = 0

    async def send_all(self, client_ids: list[str], *, rate: float | None = None) -> None:
        pending = dict.fromkeys(client_ids)  # ordered, unacked
        attempt = 0
        started = time.monotonic()
        while pending:
            try:
                async with await _open(self.url) as socket:
                    attempt = 0
                    await self._send_over(socket, pending, rate, started)
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError, EOFError):
                self.reconnects += 1
                await _backoff(attempt)
                attempt += 1

    async def _send_over(self, socket, pending: dict, rate: float | None, started: float) -> None:
        in_flight: set[str] = set()
        sent_at: dict[str, float] = {}
        sent = len(self.acked)
        queue = list(pending)
        while pending:
            pacing = bool(queue) and len(in_flight) < self.window
            wait = (started + sent / rate - time.monotonic()) if pacing and rate else 0.0
            if pacing and wait <= 0:
                client_id = queue.pop(0)
                await socket.send(json.dumps(self._frame(client_id)))
                sent_at[client_id] = time.monotonic()
                in_flight.add(client_id)
                sent += 1
                continue
            try:  # read acks while waiting for the next send's time
                frame = json.loads(await asyncio.wait_for(socket.recv(), wait if pacing else 30))
            except TimeoutError:
                if pacing:
                    continue
                raise
            if frame["type"] == "message.ack":
                client_id = frame["client_id"]
                self.acked[client_id] = frame["message"]["id"]
                if (at := sent_at.pop(client_id, None)) is not None:
                    self.ack_latencies.append(time.monotonic() - at)
                pending.pop(client_id, None)
                in_flight.discard(client_id)
            elif frame["type"] == "error" and frame.get("client_id") in in_flight:
                client_id = frame["client_id"]
                if frame["code"] == "server_error":
                    self.server_errors += 1
                else:
                    self.unavailable += 1
                in_flight.discard(client_id)
                await asyncio.sleep(random.uniform(0, 0.5))
                queue.insert(0, client_id)

    def _frame(self, client_id: str) -> dict:
        body = f"chaos {client_id}"
        return {
            "type": "message.send",
            "group": self.group_id,
            "body": stamped(body) if self.stamp else body,
            "client_id": client_id,
        }


async def rest_send(
    session: aiohttp.ClientSession,
    base_url: str,
    token: str,
    group_id: int,
    client_id: str,
    prefix: str = "",
) -> int | None:
    """A REST send, tried again on 503 (Retry-After) and connection errors: the message id."""
    for attempt in range(20):
        try:
            async with session.post(
                f"{base_url}/api/v1/groups/{group_id}/messages/",
                json={"body": f"{prefix}chaos {client_id}", "client_id": client_id},
                headers={"Authorization": f"Token {token}"},
            ) as response:
                if response.status in (200, 201):
                    return (await response.json())["id"]
                if response.status != 503:
                    raise RuntimeError(f"REST send answered {response.status}")
        except aiohttp.ClientError:
            pass
        await _backoff(attempt)
    return None


@dataclass
class RestLoad:
    """REST requests at a fixed rate (open loop: a slow answer does not slow the load), over
    the server processes in turn: of every ten, one stamped send, two group lists and seven
    history pages. Counts answers by status and keeps each request's latency."""

    base_urls: list[str]
    token: str
    group_id: int
    run: str  # the client_id prefix of its sends
    statuses: Counter[int | str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # client_ids of the sends answered 201

    async def run_for(self, seconds: float, *, rate: float) -> None:
        headers = {"Authorization": f"Token {self.token}"}
        connector = aiohttp.TCPConnector(limit=100)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(
            connector=connector, headers=headers, timeout=timeout
        ) as session:
            started, requests = time.monotonic(), set()
            for number in itertools.count():
                due = started + number / rate
                if due - started >= seconds:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                task = asyncio.create_task(self._one(session, number))
                requests.add(task)
                task.add_done_callback(requests.discard)
            await asyncio.gather(*requests)

    async def _one(self, session: aiohttp.ClientSession, number: int) -> None:
        base = self.base_urls[number % len(self.base_urls)] + "/api/v1"
        messages = f"{base}/groups/{self.group_id}/messages/"
        started = time.monotonic()
        try:
            if number % 10 == 0:
                client_id = f"{self.run}{number}"
                body = {"body": stamped(f"chaos {client_id}"), "client_id": client_id}
                async with session.post(messages, json=body) as response:
                    await response.read()
                    if response.status == 201:
                        self.sent.append(client_id)
            else:
                url = f"{base}/groups/" if number % 10 in (1, 2) else messages
                async with session.get(url) as response:
                    await response.read()
            self.statuses[response.status] += 1
        except (aiohttp.ClientError, TimeoutError) as failed:
            self.statuses[type(failed).__name__] += 1
        self.latencies.append(time.monotonic() - started)
