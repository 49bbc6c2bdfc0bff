"""The site under test, started as production runs it: an ASGI server with DEBUG off.

`--workers N` starts N independent server processes on N ports (no proxy, no SO_REUSEPORT);
the load processes spread their clients over the ports. Several processes need a channel layer
that crosses processes, so they require REDIS_URL.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SERVERS = ("daphne", "uvicorn")

# The embedded default's SQLite options (config/settings.py), for a file of the run's own:
# a benchmark never writes into the developer's db.sqlite3.
SQLITE_OPTIONS = (
    "timeout=20&transaction_mode=IMMEDIATE"
    "&init_command=PRAGMA%20journal_mode%3DWAL%3B%20PRAGMA%20synchronous%3DNORMAL%3B"
)


class ServerError(RuntimeError):
    pass


def site_environment(workdir: Path) -> dict[str, str]:
    """The production environment of the site: PostgreSQL and Redis when DATABASE_URL and
    REDIS_URL are set, otherwise SQLite (in the run's own folder) and the in-memory layer."""
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_HTTPS="0",
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_RATE_LIMITS="off",
        DJANGO_SERVER_TIMING="1",  # the history scenario reads the server time per request
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(ROOT),
    )
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}?{SQLITE_OPTIONS}"
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a manage.py command in the site's environment; its stdout, or ServerError."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ServerError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def start_workers(
    env: dict[str, str], count: int = 1, *, interval: float | None = None
) -> list[subprocess.Popen]:
    """`manage.py worker` processes in the site's environment (their output dropped)."""
    command = [sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay"]
    command += ["-v", "0"]
    if interval is not None:
        command += ["--interval", str(interval)]
    return [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for _ in range(count)
    ]


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_command(kind: str, port: int) -> list[str]:
    if kind == "daphne":
        # -v 0: no access log (a proxy in front keeps one in production).
        return [sys.executable, "-m", "daphne", "-v", "0", "-b", HOST, "-p", str(port)] + [
            "config.asgi:application"
        ]
    if kind == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "config.asgi:application"] + [
            *("--host", HOST, "--port", str(port), "--lifespan", "off"),
            *("--no-access-log", "--log-level", "warning"),
            # Off: per-message deflate holds zlib buffers for every socket, most of an idle
            # socket's memory (docs/performance.md).
            *("--ws-per-message-deflate", "false"),
        ]
    raise ValueError(f"unknown server {kind!r}; one of {', '.join(SERVERS)}")


@dataclass
class Server:
    """N server processes of one kind, one port each."""

    kind: str
    workers: int
    env: dict[str, str]
    logdir: Path
    ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    @property
    def urls(self) -> list[str]:
        return [f"http://{HOST}:{port}" for port in self.ports]

    def start(self, timeout: float = 60) -> None:
        for index in range(self.workers):
            port = free_port()
            log = (self.logdir / f"server-{index}.log").open("wb")
            self.processes.append(
                subprocess.Popen(
                    server_command(self.kind, port),
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            self.ports.append(port)
        deadline = time.monotonic() + timeout
        for index, port in enumerate(self.ports):
            self._wait_until_serving(index, port, deadline)

    def _wait_until_serving(self, index: int, port: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.processes[index].poll() is not None:
                raise ServerError(f"{self.kind} on port {port} exited:\n{self.log_tail(index)}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.5) as conn:
                conn.sendall(
                    b"GET /api/v1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                if conn.recv(16).startswith(b"HTTP/1.1"):
                    return
            time.sleep(0.1)
        raise ServerError(f"{self.kind} on port {port} did not answer:\n{self.log_tail(index)}")

    def log_tail(self, index: int, lines: int = 30) -> str:
        text = (self.logdir / f"server-{index}.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        self.ports.clear()

    def __enter__(self) -> Server:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
