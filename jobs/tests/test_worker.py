"""The worker's additions to django-tasks-db's: retries with backoff, bounded attempts, and the
recovery of a job whose worker was lost. The worker runs in the test's process here (batch
mode: it runs what is ready, then returns); jobs/tests/test_management_commands_worker.py runs
real worker processes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.models import DBTaskResult

from jobs.models import WorkerBeat
from jobs.tests import tasks
from jobs.worker import Worker, backoff_seconds, recover_lost_jobs

pytestmark = pytest.mark.django_db(transaction=True)  # the worker checks its connections


def _run_ready_jobs() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    ).run()


def _make_due(job_id) -> None:
    """As if the retry's wait were over."""
    DBTaskResult.objects.filter(id=job_id).update(run_after=timezone.now())


def test_a_job_runs_once(tmp_path):
    # given
    path = str(tmp_path / "out")
    result = tasks.note.enqueue(path, "hello")

    # when
    _run_ready_jobs()
    _run_ready_jobs()

    # then
    assert tasks.lines(path) == ["hello"]
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"


def test_a_job_scheduled_for_later_waits_for_its_time(tmp_path):
    # given
    path = str(tmp_path / "out")
    later = tasks.note.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(path, "later")

    # when
    _run_ready_jobs()
    before = tasks.lines(path)
    _make_due(later.id)
    _run_ready_jobs()

    # then
    assert before == []
    assert tasks.lines(path) == ["later"]


def test_a_failing_job_is_retried_after_a_backoff_until_it_succeeds(tmp_path):
    # given: a job that fails twice
    path = str(tmp_path / "out")
    result = tasks.flaky.enqueue(path, 2)

    # when
    _run_ready_jobs()
    after_first = DBTaskResult.objects.get(id=result.id)
    _make_due(result.id)
    _run_ready_jobs()
    _make_due(result.id)
    _run_ready_jobs()

    # then: waiting about 2 s after the first failure, then done on the third run
    assert after_first.status == "READY"
    wait = (after_first.run_after - timezone.now()).total_seconds()
    assert 0 < wait <= 2.5
    assert tasks.lines(path) == ["run"] * 3
    job = DBTaskResult.objects.get(id=result.id)
    assert job.status == "SUCCESSFUL"
    assert len(job.worker_ids) == 3


def test_a_job_that_always_fails_stops_after_the_last_attempt(tmp_path, settings):
    # given
    settings.JOBS_MAX_ATTEMPTS = 3
    path = str(tmp_path / "out")
    result = tasks.flaky.enqueue(path, 1_000)

    # when
    for _ in range(5):
        _make_due(result.id)
        _run_ready_jobs()

    # then
    assert tasks.lines(path) == ["run"] * 3
    job = DBTaskResult.objects.get(id=result.id)
    assert job.status == "FAILED"
    assert "a failure of the kind a retry gets past" in job.traceback


def test_backoff_doubles_and_is_capped():
    # then
    assert 1.5 <= backoff_seconds(1) <= 2.5
    assert 6 <= backoff_seconds(3) <= 10
    assert backoff_seconds(50) <= 750


def _running(path: str, *, worker_ids: list[str], minutes_ago: int = 5) -> DBTaskResult:
    result = tasks.note.enqueue(path, "x")
    DBTaskResult.objects.filter(id=result.id).update(
        status="RUNNING",
        worker_ids=worker_ids,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    return DBTaskResult.objects.get(id=result.id)


def _beat(worker_id: str, *, seconds_ago: float) -> None:
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerBeat.objects.create(worker_id=worker_id, host="h", pid=1, started_at=seen, seen_at=seen)


def test_the_running_job_of_a_lost_worker_is_ready_again(tmp_path, settings):
    # given: one worker beating, one not seen for longer than JOBS_WORKER_LOST_AFTER
    settings.JOBS_WORKER_LOST_AFTER = 30
    _beat("alive", seconds_ago=1)
    _beat("lost", seconds_ago=60)
    path = str(tmp_path / "out")
    of_the_living = _running(path, worker_ids=["alive"])
    of_the_lost = _running(path, worker_ids=["lost"])
    just_claimed = _running(path, worker_ids=["new"], minutes_ago=0)

    # when
    recovered = recover_lost_jobs()

    # then
    assert recovered == 1
    assert DBTaskResult.objects.get(id=of_the_lost.id).status == "READY"
    assert DBTaskResult.objects.get(id=of_the_living.id).status == "RUNNING"
    assert DBTaskResult.objects.get(id=just_claimed.id).status == "RUNNING"


def test_a_job_whose_workers_were_lost_too_often_fails(tmp_path, settings):
    # given
    settings.JOBS_MAX_ATTEMPTS = 2
    job = _running(str(tmp_path / "out"), worker_ids=["lost-1", "lost-2"])

    # when
    recover_lost_jobs()

    # then
    failed = DBTaskResult.objects.get(id=job.id)
    assert failed.status == "FAILED"
    assert failed.exception_class_path == "jobs.worker.WorkerLost"


def test_a_recovered_job_runs_to_the_end(tmp_path):
    # given
    path = str(tmp_path / "out")
    job = _running(path, worker_ids=["lost"])

    # when
    recover_lost_jobs()
    _run_ready_jobs()

    # then
    assert tasks.lines(path) == ["x"]
    assert DBTaskResult.objects.get(id=job.id).worker_ids[0] == "lost"
