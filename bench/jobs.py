"""`python -m bench.jobs`: what a background job costs on this site's queue (django-tasks-db,
in the site's database): the time `enqueue()` adds to a request, the time from enqueue until
a worker starts the job (workers poll; `--interval`), and how many jobs a second one and two
workers run. PostgreSQL when DATABASE_URL is set, else a SQLite file of the run's own.

Prints one line per figure; docs/architecture.md (*Background jobs*) quotes them."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.server import ROOT, site_environment, start_workers, stop_workers


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[int(fraction * (len(ordered) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs", description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000, help="jobs per throughput run")
    parser.add_argument("--interval", type=float, default=1.0, help="the workers' poll interval")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    env = site_environment(folder)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "DATABASE"))})
    migrate = [sys.executable, "manage.py", "migrate", "-v", "0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult, get_date_max

    from jobs.tests.tasks import clock

    print(f"database: {connection.vendor}, poll interval {args.interval} s", flush=True)

    # 1. What enqueue() adds to a request: inside a transaction, as a send's would be.
    costs = []
    for _ in range(1000):
        started = time.perf_counter()
        with transaction.atomic():
            clock.enqueue(0.0)
        costs.append(time.perf_counter() - started)
    DBTaskResult.objects.all().delete()
    print(
        f"enqueue: p50 {1e3 * statistics.median(costs):.2f} ms, "
        f"p99 {1e3 * _percentile(costs, 0.99):.2f} ms",
        flush=True,
    )

    # 2. From enqueue to the job's start, one idle worker, 200 jobs at 10/s.
    workers = start_workers(env, 1, interval=args.interval)
    time.sleep(2)
    for _ in range(200):
        clock.enqueue(time.monotonic())
        time.sleep(0.1)
    deadline = time.monotonic() + 60
    while DBTaskResult.objects.exclude(status="SUCCESSFUL").exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    stop_workers(workers)
    waits = [
        float(value)
        for value in DBTaskResult.objects.values_list("return_value", flat=True)
        if value is not None
    ]
    DBTaskResult.objects.all().delete()
    print(
        f"enqueue to start: p50 {1e3 * statistics.median(waits):.0f} ms, "
        f"p99 {1e3 * _percentile(waits, 0.99):.0f} ms, max {1e3 * max(waits):.0f} ms",
        flush=True,
    )

    # 3. Throughput: a backlog of no-op jobs, one worker, then two.
    for count in (1, 2):
        DBTaskResult.objects.bulk_create(
            DBTaskResult(
                args_kwargs={"args": [0.0], "kwargs": {}},
                task_path="jobs.tests.tasks.clock",
                queue_name="default",
                backend_name="default",
                run_after=get_date_max(),
            )
            for _ in range(args.jobs)
        )
        started = time.monotonic()
        workers = start_workers(env, count, interval=args.interval)
        while DBTaskResult.objects.exclude(status="SUCCESSFUL").exists():
            time.sleep(0.2)
        took = time.monotonic() - started
        stop_workers(workers)
        DBTaskResult.objects.all().delete()
        print(f"throughput, {count} worker(s): {args.jobs / took:.0f} jobs/s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
