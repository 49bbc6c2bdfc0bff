"""Clients that behave as the contract asks a client to (docs/realtime.md, "Reconnect and
resume"): a reader keeps a cursor, reconnects with backoff and full jitter and resumes from it;
a sender keeps every unacked message and sends it again, with the same client_id, after an
`unavailable` error or a reconnect. Both count what a user would notice."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

BASE_DELAY = 0.2
MAX_DELAY = 2.0


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
    _task: asyncio.Task | None = None

    @property
    def cursor(self) -> int:
        return self.received[-1] if self.received else self.after

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                async with await _open(self.url) as socket:
                    await socket.send(
                        json.dumps({"type": "resume", "groups": {str(self.group_id): self.cursor}})
                    )
                    attempt = 0
                    async for text in socket:
                        self._take(json.loads(text), socket)
                    self._closed(socket.close_code)
            except ConnectionClosed as closed:
                self._closed(closed.rcvd.code if closed.rcvd else None)
            except (OSError, InvalidStatus, TimeoutError) as failed:
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
    acked: dict[str, int] = field(default_factory=dict)
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
            except (OSError, ConnectionClosed, InvalidStatus, TimeoutError):
                self.reconnects += 1
                await _backoff(attempt)
                attempt += 1

    async def _send_over(self, socket, pending: dict, rate: float | None, started: float) -> None:
        in_flight: set[str] = set()
        sent = len(self.acked)
        queue = list(pending)
        while pending:
            while queue and len(in_flight) < self.window:
                client_id = queue.pop(0)
                if rate is not None:
                    due = started + sent / rate
                    if (wait := due - time.monotonic()) > 0:
                        await asyncio.sleep(wait)
                await socket.send(json.dumps(self._frame(client_id)))
                in_flight.add(client_id)
                sent += 1
            frame = json.loads(await asyncio.wait_for(socket.recv(), 30))
            if frame["type"] == "message.ack":
                client_id = frame["client_id"]
                self.acked[client_id] = frame["message"]["id"]
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
        return {
            "type": "message.send",
            "group": self.group_id,
            "body": f"chaos {client_id}",
            "client_id": client_id,
        }


async def rest_send(
    session: aiohttp.ClientSession, base_url: str, token: str, group_id: int, client_id: str
) -> int | None:
    """A REST send, tried again on 503 (Retry-After) and connection errors: the message id."""
    for attempt in range(20):
        try:
            async with session.post(
                f"{base_url}/api/v1/groups/{group_id}/messages/",
                json={"body": f"chaos {client_id}", "client_id": client_id},
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
