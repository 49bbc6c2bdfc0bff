"""The workers in the admin: listed, never written by hand."""

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import WorkerBeat

pytestmark = pytest.mark.django_db


def test_the_workers_are_listed_latest_seen_first(admin_client):
    # given
    now = timezone.now()
    for worker_id in ("a", "b"):
        WorkerBeat.objects.create(worker_id=worker_id, host="h", pid=1, started_at=now, seen_at=now)

    # when
    response = admin_client.get(reverse("admin:jobs_workerbeat_changelist"))

    # then
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2
    assert admin_client.get(reverse("admin:jobs_workerbeat_add")).status_code == 403
