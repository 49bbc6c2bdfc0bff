"""The loss scenario, for in-process sockets and for real server processes alike: several
senders write to one group while a reader drops its socket at random points and comes back
with `resume`, as docs/realtime.md tells clients to."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Protocol


class ClientSocket(Protocol):
    async def send(self, frame: dict) -> None: ...

    async def receive(self, timeout: float = ...) -> dict: ...

    async def receive_until(self, kind: str, timeout: float = ...) -> tuple[list[dict], dict]: ...


Opener = Callable[[int], Awaitable[ClientSocket]]  # the n-th socket of a user, opened
Closer = Callable[[ClientSocket], Awaitable[None]]


async def send_messages(socket: ClientSocket, *, group_id: int, name: str, count: int) -> None:
    """Send `count` messages, each after the previous one's ack."""
    for number in range(count):
        client_id = f"{name}-{number}"
        await socket.send(
            {"type": "message.send", "group": group_id, "body": client_id, "client_id": client_id}
        )
        while (frame := await socket.receive())["type"] != "message.ack":
            assert frame["type"] == "message.new", frame
        await asyncio.sleep(random.uniform(0, 0.005))


class ResumingReader:
    """A client that keeps the last message id it has seen of the group and resumes from it;
    `received` is every message id it was sent, duplicates included."""

    def __init__(self, *, group_id: int, open_socket: Opener, close_socket: Closer) -> None:
        self.group_id = group_id
        self.open_socket = open_socket
        self.close_socket = close_socket
        self.received: list[int] = []
        self.connections = 0

    @property
    def cursor(self) -> int:
        return self.received[-1] if self.received else 0

    async def read_then_drop(self, frames_before_drop: int) -> None:
        """Connect, resume, read up to that many frames, then drop the socket."""
        socket = await self.open_socket(self.connections)
        self.connections += 1
        try:
            await self._resume(socket)
            for _ in range(frames_before_drop):
                try:
                    frame = await socket.receive(timeout=0.5)
                except TimeoutError:
                    return
                await self._take(socket, frame)
        finally:
            await self.close_socket(socket)

    async def catch_up(self) -> None:
        """Connect, resume until nothing is left, and wait for stragglers."""
        socket = await self.open_socket(self.connections)
        self.connections += 1
        try:
            await self._resume(socket)
            done = False
            while not done:
                frame = await socket.receive()
                done = frame["type"] == "resume.done" and not frame["has_more"]
                await self._take(socket, frame)
            ping = await _pong(socket)
            for frame in ping:
                await self._take(socket, frame)
        finally:
            await self.close_socket(socket)

    async def _resume(self, socket: ClientSocket) -> None:
        await socket.send({"type": "resume", "groups": {str(self.group_id): self.cursor}})

    async def _take(self, socket: ClientSocket, frame: dict) -> None:
        if frame["type"] == "message.new":
            self.received.append(frame["message"]["id"])
        elif frame["type"] == "resume.done" and frame["has_more"]:
            await self._resume(socket)


async def _pong(socket: ClientSocket) -> list[dict]:
    await asyncio.sleep(0.5)
    await socket.send({"type": "ping"})
    before, _ = await socket.receive_until("pong")
    return before


async def run_loss_scenario(
    *,
    group_id: int,
    senders: list[ClientSocket],
    reader: ResumingReader,
    messages_per_sender: int,
) -> None:
    sending = asyncio.gather(
        *(
            send_messages(socket, group_id=group_id, name=f"s{index}", count=messages_per_sender)
            for index, socket in enumerate(senders)
        )
    )
    while not sending.done():
        await reader.read_then_drop(random.randint(0, 25))
    await sending
    await reader.catch_up()
