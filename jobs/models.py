from django.db import models


class WorkerBeat(models.Model):
    """A running worker process: it renews `seen_at` every few seconds while it runs. A worker
    not seen for `JOBS_WORKER_LOST_AFTER` seconds is gone, and its running job is run again."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.host} (pid {self.pid})"
