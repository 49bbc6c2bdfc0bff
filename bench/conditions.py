"""The conditions a run was measured under: software versions, the machine, its other load."""

from __future__ import annotations

import os
import platform
import subprocess
import time
import timeit
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import redis

from bench.procstat import MachineMeter
from bench.server import ROOT

PACKAGES = (
    "Django",
    "channels",
    "daphne",
    "channels-redis",
    "redis",
    "uvicorn",
    "psycopg",
    "websockets",
    "aiohttp",
)


@dataclass
class Conditions:
    date: str
    commit: str
    python: str
    packages: dict[str, str]
    cpu_model: str
    cpu_count: int
    memory_gib: float
    python_speed_ms: float  # CALIBRATION on this machine, just before the run
    # CPU as per cent of one core (200% = both cores of a two-core machine).
    busy_before_percent: float  # the whole machine, just before the harness started anything
    load_before: tuple[float, float, float]
    busy_during_percent: float | None = None  # the whole machine during the run
    own_during_percent: float | None = None  # the harness, its server and load processes
    load_after: tuple[float, float, float] | None = None
    server: str = ""
    workers: int = 1
    database: str = ""
    channel_layer: str = ""
    redis: str | None = None
    load_processes: int = 0

    @classmethod
    def measure(cls, *, quiet_seconds: float = 2) -> Conditions:
        meter = MachineMeter()
        time.sleep(quiet_seconds)
        return cls(
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            commit=_commit(),
            python=platform.python_version(),
            packages={name: _version(name) for name in PACKAGES},
            cpu_model=_cpu_model(),
            cpu_count=os.cpu_count() or 0,
            memory_gib=_memory_gib(),
            python_speed_ms=python_speed_ms(),
            busy_before_percent=meter.percents()[0],
            load_before=os.getloadavg(),
        )

    def finish(self, meter: MachineMeter) -> None:
        """Record how busy the machine was since `meter` started, and how much of it was us."""
        self.busy_during_percent, self.own_during_percent = meter.percents()
        self.load_after = os.getloadavg()


# A fixed piece of pure-Python work: how fast this machine runs Python, to compare runs made on
# different machines of the same kind (the server's CPU per request scales with it).
CALIBRATION = "sum(range(10**6))"


def python_speed_ms() -> float:
    """The best of five timings of CALIBRATION, in milliseconds."""
    return min(timeit.repeat(CALIBRATION, number=10, repeat=5)) / 10 * 1000


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" + uncommitted changes" if git("status", "--porcelain") else "")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return 0.0


def redis_version(url: str) -> str | None:
    try:
        return redis.Redis.from_url(url).info("server")["redis_version"]
    except redis.RedisError:
        return None
