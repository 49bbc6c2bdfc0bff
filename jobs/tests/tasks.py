"""Jobs for the tests. Each appends a line to a file it is given, so a test (or a worker in
another process) can tell how often, and how far, it ran."""

import time
from pathlib import Path

from django_tasks import task


def lines(path: str) -> list[str]:
    file = Path(path)
    return file.read_text().splitlines() if file.exists() else []


def _append(path: str, line: str) -> None:
    with open(path, "a") as file:
        file.write(line + "\n")


@task()
def note(path: str, line: str, seconds: float = 0.0) -> None:
    time.sleep(seconds)
    _append(path, line)


@task()
def slow(path: str, seconds: float) -> None:
    _append(path, "started")
    time.sleep(seconds)
    _append(path, "finished")


@task()
def flaky(path: str, failures: int) -> None:
    """Fails its first `failures` runs."""
    _append(path, "run")
    if len(lines(path)) <= failures:
        raise RuntimeError("a failure of the kind a retry gets past")


@task()
def clock(enqueued_at: float) -> float:
    """Seconds from `enqueued_at` (time.monotonic(), one clock for every process of a
    machine) until the job started; 0 without it (bench/jobs.py)."""
    return time.monotonic() - enqueued_at if enqueued_at else 0.0
