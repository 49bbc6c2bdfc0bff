"""The suite's own processes: a PostgreSQL and a Redis on private ports and data folders, and
server processes on them, each of which a scenario may stop, kill or restart. Nothing here
touches the machine's own PostgreSQL or Redis."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.server import HOST, ROOT, free_port, manage, server_command, site_environment

START_SECONDS = 60


def wait_for_port(port: int, process: subprocess.Popen | None, what: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start:\n{log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or name]
    return found[-1]


class Postgres:
    """A PostgreSQL cluster of the suite's own (initdb in its folder; as the `postgres` user
    when the suite runs as root, which PostgreSQL refuses to run as)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "pgdata"
        self.log = folder / "postgres.log"
        self.port = free_port()
        self._as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/chaos"

    def _run(self, *command: str) -> None:
        if self._as_root:
            command = ("runuser", "-u", "postgres", "--", *command)
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def start(self) -> None:
        if not self.data.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            if self._as_root:
                shutil.chown(self.folder, "postgres")
            self._run(
                _postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"
            )
        self._ctl(
            "start", "-w", "-o", f"-p {self.port} -k {self.folder} -c listen_addresses={HOST}"
        )
        wait_for_port(self.port, None, "PostgreSQL", self.log)

    def create_database(self) -> None:
        self._run(
            _postgres_bin("createdb"), "-h", HOST, "-p", str(self.port), "-U", "postgres", "chaos"
        )

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(RuntimeError):
            self._ctl("stop", "-w", "-m", mode)

    def restart(self) -> None:
        """Stopped as an operator restarts it (every connection cut), then started again."""
        self.stop("fast")
        self.start()

    def _ctl(self, *args: str) -> None:
        self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args)


class Redis:
    """A Redis of the suite's own that a scenario kills (SIGKILL) and starts again, empty."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "redis.log"
        self.process: subprocess.Popen | None = None

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
        wait_for_port(self.port, self.process, "Redis", self.log)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class Processes:
    """Processes of one kind, by index: each may be killed, and all stopped."""

    processes: list[subprocess.Popen | None]

    def kill(self, index: int) -> None:
        """kill -9, as the kernel's OOM killer or a crash would."""
        process = self.processes[index]
        if process is not None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.processes[index] = None

    def stop(self) -> None:
        for index, process in enumerate(self.processes):
            if process is not None:
                stop(process)
            self.processes[index] = None


class Site(Processes):
    """Server processes (daphne) on the suite's PostgreSQL and Redis, each restartable."""

    def __init__(self, folder: Path, *, count: int, database: str, redis: str) -> None:
        self.folder = folder
        self.env = {
            **site_environment(folder),
            "DATABASE_URL": database,
            "REDIS_URL": redis,
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        self.ports = [free_port() for _ in range(count)]
        self.processes: list[subprocess.Popen | None] = [None] * count

    def migrate(self) -> None:
        manage(self.env, "migrate", "--no-input")

    def urls(self) -> list[str]:
        return [f"http://{HOST}:{port}" for port in self.ports]

    def log(self, index: int) -> Path:
        return self.folder / f"server-{index}.log"

    def start(self, index: int | None = None) -> None:
        for i in range(len(self.ports)) if index is None else [index]:
            self.processes[i] = subprocess.Popen(
                server_command("daphne", self.ports[i]),
                cwd=ROOT,
                env=self.env,
                stdout=self.log(i).open("ab"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for i in range(len(self.ports)) if index is None else [index]:
            wait_for_port(self.ports[i], self.processes[i], f"server {i}", self.log(i))

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes if process is not None]

    def count_in_logs(self, text: str) -> int:
        """How often `text` stands in the servers' logs ("Traceback", "Internal Server Error")."""
        return sum(
            self.log(i).read_text(errors="replace").count(text)
            for i in range(len(self.ports))
            if self.log(i).exists()
        )


class Workers(Processes):
    """Background workers (`manage.py worker`) in the site's environment, each killable."""

    def __init__(self, site: Site, *, count: int, lost_after: int = 3) -> None:
        self.site = site
        self.env = {**site.env, "JOBS_WORKER_LOST_AFTER": str(lost_after)}
        self.processes: list[subprocess.Popen | None] = [None] * count
        self.ids: list[str] = [""] * count  # each one's worker id (a new one per start)
        self.log = site.folder / "workers.log"
        self._starts = 0

    def start(self, index: int | None = None) -> None:
        for i in range(len(self.processes)) if index is None else [index]:
            self._starts += 1
            self.ids[i] = f"chaos-{i}-{self._starts}"
            self.processes[i] = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "worker",
                    "--no-reload",
                    "--no-startup-delay",
                    "--interval",
                    "0.2",
                    "--worker-id",
                    self.ids[i],
                ],
                cwd=ROOT,
                env=self.env,
                stdout=self.log.open("ab"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
