"""`manage.py worker` as real processes on the test database: jobs enqueued by the site run
there, a worker killed with -9 mid-job has its job run again by another, two workers never run
one job twice, and SIGTERM lets the job under way finish."""

import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from jobs.tests import tasks
from tests.servers import TcpProxy, Workers, database_url

pytestmark = pytest.mark.django_db(transaction=True)


def _until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_worker_process_runs_what_the_site_enqueues(tmp_path):
    # given
    path = str(tmp_path / "out")

    # when
    with Workers(1) as workers:
        result = tasks.note.enqueue(path, "hello")
        ran = _until(lambda: tasks.lines(path) == ["hello"])
        done = _until(lambda: DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL")

    # then
    assert ran and done, workers.log_text()


def test_the_job_of_a_worker_killed_mid_job_runs_again_elsewhere(tmp_path):
    # given: a worker in the middle of a 2 s job
    path = str(tmp_path / "out")
    workers = Workers(1, JOBS_WORKER_LOST_AFTER="1")
    workers.start()
    try:
        result = tasks.slow.enqueue(path, 2)
        assert _until(lambda: tasks.lines(path) == ["started"]), workers.log_text()

        # when: it is killed, and another worker runs
        workers.kill(0)
        workers.add()
        finished = _until(lambda: tasks.lines(path)[-1:] == ["finished"])
    finally:
        workers.stop()

    # then: the job ran again, to its end, once more
    assert finished, workers.log_text()
    assert tasks.lines(path) == ["started", "started", "finished"]
    job = DBTaskResult.objects.get(id=result.id)
    assert job.status == "SUCCESSFUL"
    assert len(job.worker_ids) == 2


def test_two_workers_run_each_job_once(tmp_path):
    # given
    path = str(tmp_path / "out")
    lines = [f"job {i}" for i in range(40)]

    # when: jobs of 50 ms each, so that one worker alone would take 2 s
    with Workers(2) as workers:
        for line in lines:
            tasks.note.enqueue(path, line, 0.05)
        everything = _until(lambda: len(tasks.lines(path)) >= len(lines))
        time.sleep(0.3)  # time for a job run twice to show

    # then
    assert everything, workers.log_text()
    assert sorted(tasks.lines(path)) == sorted(lines)
    assert len({tuple(j.worker_ids) for j in DBTaskResult.objects.all()}) == 2  # both worked


def test_sigterm_lets_the_job_under_way_finish(tmp_path):
    # given
    path = str(tmp_path / "out")
    workers = Workers(1)
    workers.start()
    tasks.slow.enqueue(path, 1)
    assert _until(lambda: tasks.lines(path) == ["started"]), workers.log_text()

    # when
    codes = workers.stop()

    # then
    assert tasks.lines(path) == ["started", "finished"]
    assert codes == [0]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="an embedded SQLite database cannot go away"
)
def test_a_worker_waits_out_a_database_that_went_away(tmp_path):
    # given: a worker that reaches PostgreSQL through a proxy the test can cut
    path = str(tmp_path / "out")
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    workers = Workers(1, DATABASE_URL=database_url(port=proxy.port), JOBS_WORKER_LOST_AFTER="2")
    workers.start()
    try:
        tasks.note.enqueue(path, "before")
        assert _until(lambda: tasks.lines(path) == ["before"]), workers.log_text()

        # when: the database is away for 3 s, then back
        proxy.cut()
        time.sleep(3)
        alive_while_away = workers.processes[0].poll() is None
        proxy.restore()
        tasks.note.enqueue(path, "after")
        after = _until(lambda: tasks.lines(path) == ["before", "after"])
    finally:
        workers.stop()
        proxy.close()

    # then: it did not exit, and went on with the queue
    assert alive_while_away, workers.log_text()
    assert after, workers.log_text()
