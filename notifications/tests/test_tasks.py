"""The `@all` job: bulk, in a bounded number of queries, once; and run by a real worker."""

import math
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from groups.models import Membership
from messaging.services import send_message
from notifications.models import Notification
from notifications.services import BATCH
from notifications.tasks import notify_everyone
from tests.servers import Workers


def _crowd(make_user, make_group, size: int):
    owner = make_user()
    group = make_group(owner=owner)
    users = User.objects.bulk_create(User(username=f"crowd{i}") for i in range(size - 1))
    Membership.objects.bulk_create(Membership(user=user, group=group) for user in users)
    return owner, group


@pytest.mark.django_db
@pytest.mark.parametrize("size", [10, 1200])
def test_the_job_costs_a_bounded_number_of_queries(make_user, make_group, make_message, size):
    # given: a group of `size`, an @all whose job has not run
    owner, group = _crowd(make_user, make_group, size)
    message = make_message(group=group, sender=owner, body="@all hello")

    # when
    with CaptureQueriesContext(connection) as queries:
        made = notify_everyone.call(message.id)

    # then: seven queries (the message, its attachments, the members, a savepoint and its
    # release, who of them wants e-mail: here nobody has an address, who has a browser
    # subscribed for push: here nobody), and per thousand members one to see who has one
    # already, the inserts and one to read them back (PostgreSQL inserts a thousand rows at
    # once, SQLite as many as 999 parameters take)
    assert made == size - 1
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    per_insert = connection.ops.bulk_batch_size(fields, range(BATCH)) or BATCH
    batches = [min(BATCH, size - 1 - start) for start in range(0, size - 1, BATCH)]
    inserts = sum(math.ceil(rows / per_insert) for rows in batches)
    assert len(queries) == 7 + 2 * len(batches) + inserts
    assert Notification.objects.filter(message=message).count() == size - 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_notifies_a_thousand_members_of_at_all(make_user, make_group):
    # given: a worker, and a group of 1,000
    owner, group = _crowd(make_user, make_group, 1000)

    with Workers(1) as workers:
        # when
        message, _ = send_message(sender=owner, group_id=group.id, body="@all release is out")
        deadline = time.monotonic() + 30
        while (
            Notification.objects.filter(message=message).count() < 999
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)

    # then
    assert Notification.objects.filter(message=message).count() == 999, workers.log_text()
