"""Real server processes for the tests that need them: daphne on the test database and a
Redis, and sockets that talk to them over TCP (the `websockets` client)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chat.tests.frame_helpers import FrameHelpers

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
TIMEOUT = 10

needs_postgres_and_redis = pytest.mark.skipif(
    not (settings.REDIS_URL and connection.vendor == "postgresql"),
    reason="several server processes need a shared database and Redis: set DATABASE_URL to "
    "PostgreSQL and REDIS_URL (the embedded SQLite test database lives in this process only)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RedisServer:
    """A Redis of the test's own, on its own port, that the test may stop and start."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="chat-redis-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST]
            + ["--save", "", "--appendonly", "no"],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.port, self.process, self.log)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


SERVER_COMMANDS = {
    "daphne": ["-m", "daphne", "-v", "0", "-b", HOST, "-p", "{port}", "config.asgi:application"],
    "uvicorn": ["-m", "uvicorn", "config.asgi:application", "--host", HOST, "--port", "{port}"]
    + ["--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--lifespan", "off"]
    + ["--log-level", "warning"],
}


class Servers:
    """Server processes serving config.asgi on the test database and one Redis: daphne unless
    `kinds` names others (one per process)."""

    def __init__(self, count: int, *, redis_url: str, kinds: tuple[str, ...] = ()) -> None:
        self.redis_url = redis_url
        self.kinds = kinds or ("daphne",) * count
        self.ports = [free_port() for _ in range(count)]
        self.processes: list[subprocess.Popen] = []
        self.logs = [
            Path(tempfile.mkstemp(prefix=f"chat-{kind}-{port}-", suffix=".log")[1])
            for kind, port in zip(self.kinds, self.ports, strict=True)
        ]

    def environment(self) -> dict[str, str]:
        database = urlparse(os.environ["DATABASE_URL"])
        return {
            **os.environ,
            "DATABASE_URL": urlunparse(
                database._replace(path=f"/{connection.settings_dict['NAME']}")
            ),
            "REDIS_URL": self.redis_url,
            "CHANNEL_LAYER_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "live-test-secret",
            "DJANGO_HTTPS": "0",
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "DJANGO_RATE_LIMITS": "off",
            "DJANGO_LOG_LEVEL": "WARNING",
        }

    def start(self) -> None:
        environment = self.environment()
        for kind, port, log in zip(self.kinds, self.ports, self.logs, strict=True):
            arguments = [arg.format(port=port) for arg in SERVER_COMMANDS[kind]]
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, *arguments],
                    cwd=ROOT,
                    env=environment,
                    stdout=log.open("ab"),
                    stderr=subprocess.STDOUT,
                )
            )
        for port, process, log in zip(self.ports, self.processes, self.logs, strict=True):
            _wait_for_port(port, process, log)

    def stop(self) -> None:
        for process in self.processes:
            _stop(process)
        self.processes.clear()

    def url(self, index: int, token: str) -> str:
        return f"ws://{HOST}:{self.ports[index]}/ws/?token={token}"


class LiveSocket(FrameHelpers):
    """A client socket over TCP, with the helpers of the in-process `Socket`."""

    quiet_time = 0.5

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self.skip = {"presence"}

    @classmethod
    async def open(cls, url: str) -> LiveSocket:
        return cls(await connect(url, open_timeout=TIMEOUT, ping_interval=None))

    async def send(self, frame: dict) -> None:
        await self.websocket.send(json.dumps(frame))

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            text = await asyncio.wait_for(self.websocket.recv(), deadline - time.monotonic())
            frame = json.loads(text)
            if frame["type"] not in self.skip:
                return frame

    async def close(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.websocket.close()
