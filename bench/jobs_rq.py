"""`python -m bench.jobs_rq`: the figures of `python -m bench.jobs`, for an RQ queue on Redis,
the other backend django-tasks offers (django-tasks-rq), measured on RQ itself (no Django
around it: the queue at its fastest). docs/architecture.md (*Background jobs*) compares them.

RQ is not a dependency of the site: run this from an environment that has it, e.g.
`python -m venv /tmp/rq && /tmp/rq/bin/pip install rq && /tmp/rq/bin/python -m bench.jobs_rq`.
Uses REDIS_URL (default redis://127.0.0.1:6379/3), which it empties.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK = "bench.jobs_rq.clock"  # by name: the worker imports it (this file runs as __main__)
WORKER_CLASSES = {
    "forking (RQ's default: a child per job)": "rq.worker.Worker",
    "simple (jobs in the worker's process)": "rq.worker.SimpleWorker",
}


def clock(enqueued_at: float) -> float:
    """A job: how long after its enqueue it started (one monotonic clock on the machine)."""
    return time.monotonic() - enqueued_at


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[int(fraction * (len(ordered) - 1))]


def _workers(url: str, count: int, worker_class: str, *, burst: bool) -> list[subprocess.Popen]:
    command = [sys.executable, "-m", "rq.cli", "worker", "--url", url, "-w", worker_class, "-q"]
    command += ["--burst"] if burst else []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for _ in range(count)
    ]


def main(argv: list[str] | None = None) -> int:
    from redis import Redis
    from rq import Queue  # type: ignore[import-not-found]  # not a dependency: see above

    parser = argparse.ArgumentParser(prog="python -m bench.jobs_rq", description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000, help="jobs per throughput run")
    args = parser.parse_args(argv)
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
    redis = Redis.from_url(url)
    redis.flushdb()
    queue = Queue(connection=redis)
    print(f"rq, Redis at {url}", flush=True)

    # 1. What enqueue() adds to a request.
    costs = []
    for _ in range(1000):
        started = time.perf_counter()
        queue.enqueue(CLOCK, 0.0)
        costs.append(time.perf_counter() - started)
    redis.flushdb()
    print(
        f"enqueue: p50 {1e3 * statistics.median(costs):.2f} ms, "
        f"p99 {1e3 * _percentile(costs, 0.99):.2f} ms",
        flush=True,
    )

    for name, worker_class in WORKER_CLASSES.items():
        # 2. From enqueue to the job's start, one idle worker, 200 jobs at 10/s.
        workers = _workers(url, 1, worker_class, burst=False)
        time.sleep(2)
        jobs = []
        for _ in range(200):
            jobs.append(queue.enqueue(CLOCK, time.monotonic()))
            time.sleep(0.1)
        deadline = time.monotonic() + 60
        while any(job.get_status(refresh=True) != "finished" for job in jobs[-5:]):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        waits = [job.return_value() for job in jobs]
        waits = [w for w in waits if w is not None]
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
        redis.flushdb()
        print(
            f"{name}: enqueue to start p50 {1e3 * statistics.median(waits):.1f} ms, "
            f"p99 {1e3 * _percentile(waits, 0.99):.1f} ms",
            flush=True,
        )

        # 3. Throughput: a backlog of no-op jobs, one worker, then two, until it is empty.
        for count in (1, 2):
            for _ in range(args.jobs):
                queue.enqueue(CLOCK, 0.0)
            started = time.monotonic()
            for worker in _workers(url, count, worker_class, burst=True):
                worker.wait()
            took = time.monotonic() - started
            redis.flushdb()
            print(f"{name}: {count} worker(s): {args.jobs / took:.0f} jobs/s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
