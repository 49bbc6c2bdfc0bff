"""The worker process: django-tasks-db's worker, plus what a queue needs to survive faults.

- **Heartbeat.** A thread renews the worker's `WorkerBeat` row every `JOBS_WORKER_LOST_AFTER / 5`
  seconds, also while a long job runs.
- **A lost worker's job runs again.** The same thread finds running jobs whose worker has not
  been seen for `JOBS_WORKER_LOST_AFTER` seconds (killed with -9, its host gone) and makes them
  ready again; a job already claimed `JOBS_MAX_ATTEMPTS` times fails instead (`WorkerLost`).
  Any live worker does this, so a job recovers as long as one worker runs.
- **A job that raises is retried** with exponential backoff (2, 4, 8, ... s, at most 10 min), up
  to `JOBS_MAX_ATTEMPTS` attempts in all, then stays failed with its traceback.

A job whose effect must not happen twice (an e-mail, a push) records that it is done in the
same transaction as its effect and checks that record first: a retry then finds it done.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult

from .models import WorkerBeat

logger = logging.getLogger(__name__)

READY, FAILED = "READY", "FAILED"
MAX_BACKOFF_SECONDS = 600


class WorkerLost(Exception):
    """The job's worker stopped beating while the job ran, more often than it may be retried."""


def lost_after() -> float:
    return float(settings.JOBS_WORKER_LOST_AFTER)


def max_attempts() -> int:
    return int(settings.JOBS_MAX_ATTEMPTS)


def backoff_seconds(attempts: int) -> float:
    """The wait before attempt `attempts + 1`: 2, 4, 8, ... s with jitter, at most 10 min."""
    return min(MAX_BACKOFF_SECONDS, 2.0**attempts) * random.uniform(0.75, 1.25)


def beat(worker_id: str) -> None:
    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": now},
        create_defaults={
            "seen_at": now,
            "started_at": now,
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def recover_lost_jobs() -> int:
    """Make the running jobs of workers not seen lately ready again (or failed, past the
    attempts); returns how many. Forgets workers gone for long."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=lost_after())
    alive = set(WorkerBeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    recovered = 0
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        for job in running:
            worker_ids = job.worker_ids or []
            if worker_ids and worker_ids[-1] in alive:
                continue
            if job.started_at is not None and job.started_at >= cutoff:
                continue  # just claimed, by a worker that has not beaten yet
            if len(worker_ids) >= max_attempts():
                job.set_failed(WorkerLost(f"its worker was lost {len(worker_ids)} times"))
                logger.error("jobs: %s failed: its worker was lost too often", job.task_path)
            else:
                job.status, job.started_at = READY, None
                job.save(update_fields=["status", "started_at"])
                logger.warning("jobs: %s runs again: its worker was lost", job.task_path)
            recovered += 1
    WorkerBeat.objects.filter(seen_at__lt=now - timedelta(seconds=100 * lost_after())).delete()
    return recovered


class Heartbeat(threading.Thread):
    def __init__(self, worker_id: str) -> None:
        super().__init__(name="jobs-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(lost_after() / 5):
            try:
                beat(self.worker_id)
                recover_lost_jobs()
            except DatabaseError:
                logger.warning("jobs: the heartbeat could not reach the database")
            finally:
                connections.close_all()  # this thread's own: none is kept between beats


class Worker(DatabaseWorker):
    def run(self) -> None:
        heartbeat = Heartbeat(self.worker_id)
        try:
            while True:
                try:
                    if not heartbeat.is_alive():
                        beat(self.worker_id)  # seen before it claims anything
                        recover_lost_jobs()
                        heartbeat.start()
                    super().run()
                    return
                except DatabaseError:
                    # The database went away (a restart, the network): wait for it, as the
                    # site's processes do, rather than exit.
                    if not self.running:
                        return
                    logger.warning("jobs: the database is unavailable; trying again in 1 s")
                    connections.close_all()
                    time.sleep(1)
        finally:
            heartbeat.stopped.set()
            with contextlib.suppress(DatabaseError):
                WorkerBeat.objects.filter(worker_id=self.worker_id).delete()

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        super().run_task(db_task_result)
        attempts = len(db_task_result.worker_ids or [])
        if db_task_result.status == FAILED and attempts < max_attempts():
            retry_in = backoff_seconds(attempts)
            db_task_result.status = READY
            db_task_result.run_after = timezone.now() + timedelta(seconds=retry_in)
            db_task_result.started_at = db_task_result.finished_at = None
            db_task_result.save(update_fields=["status", "run_after", "started_at", "finished_at"])
            logger.warning(
                "jobs: %s failed (attempt %d of %d); again in %.0f s",
                db_task_result.task_path,
                attempts,
                max_attempts(),
                retry_in,
            )
